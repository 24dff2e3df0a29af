export {
  ComponentPicker,
  COMPONENT_PICKER_FIELD,
  componentOptions,
} from './ComponentPicker';
export type { ComponentOption } from './ComponentPicker';
