export { AdoptionTab } from './AdoptionTab';
