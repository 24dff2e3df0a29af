export { ResourcePage } from './ResourcePage';
