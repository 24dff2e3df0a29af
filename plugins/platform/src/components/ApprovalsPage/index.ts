export { ApprovalsPage } from './ApprovalsPage';
export { ChangeRequestBanner } from './ChangeRequestBanner';
