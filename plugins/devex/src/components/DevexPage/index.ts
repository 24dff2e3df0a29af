export { DevexPage, devexTabs } from './DevexPage';
