import { Route, Routes } from 'react-router-dom';
import { ApprovalsInbox } from './ApprovalsInbox';
import { ChangeRequestPage } from './ChangeRequestPage';

/** The approvals inbox, with each change request's page under it. */
export const ApprovalsPage = () => (
  <Routes>
    <Route index element={<ApprovalsInbox />} />
    <Route path=":id" element={<ChangeRequestPage />} />
  </Routes>
);
