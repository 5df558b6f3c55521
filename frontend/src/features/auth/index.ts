/** Accounts: sign-in, the caller, sharing, owners, and the admin pages' data. Used through this file only. */
export {
  authService,
  useAccountMutation,
  useAudit,
  useMe,
  useTeam,
  useTeams,
  useTokens,
  useUsers,
  type AuditEvent,
  type AuditFilters,
  type Sharing,
  type Team,
  type TeamDetail,
  type TeamRole,
  type Token,
  type TokenCreated,
  type User,
  type Visibility,
} from './api/authService';
export { AccountMenu } from './components/AccountMenu';
export { AuthGate } from './components/AuthGate';
export { OwnerFilterSelect } from './components/OwnerFilterSelect';
export { ShareDialog } from './dialogs';
export type { Shareable } from './components/ShareDialog';
export { SignInPage } from './components/SignInPage';
export { OwnerLine, VisibilityBadge } from './components/VisibilityBadge';
export {
  canDelete,
  canEdit,
  canShare,
  ownerFilterQuery,
  SINGLE_USER,
  viewerFromMe,
  visibilityLabel,
  type OwnerFilter,
  type Owned,
  type Viewer,
} from './lib/permissions';
export { useAccountsOn, useViewer, ViewerContext, type ViewerState } from './lib/viewerContext';
