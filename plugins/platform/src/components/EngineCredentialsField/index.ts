export {
  EngineCredentialsField,
  ENGINE_CREDENTIALS_FIELD,
  ENGINE_TOKEN_SECRET,
  CREDENTIALS_NOT_NEEDED,
} from './EngineCredentialsField';
export type { EngineCredentialsFieldOptions } from './EngineCredentialsField';
