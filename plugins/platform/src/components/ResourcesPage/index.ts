export { ResourcesPage } from './ResourcesPage';
export { ResourceInventory } from './ResourceInventory';
