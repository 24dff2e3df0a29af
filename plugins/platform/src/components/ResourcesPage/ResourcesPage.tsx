import { Route, Routes } from 'react-router-dom';
import { ResourceInventory } from './ResourceInventory';
import { ResourcePage } from '../ResourcePage';

/** The inventory, and under it each resource's page (`resources/:id`). */
export const ResourcesPage = () => (
  <Routes>
    <Route path="/" element={<ResourceInventory />} />
    <Route path=":id" element={<ResourcePage />} />
  </Routes>
);
