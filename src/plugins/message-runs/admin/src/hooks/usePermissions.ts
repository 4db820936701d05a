import { useRBAC } from '@strapi/strapi/admin';
import { PERMISSIONS } from '../../../shared/constants';

const ACTIONS = [...PERMISSIONS.manageRuns, ...PERMISSIONS.manageResults];

/** Which of the plugin's write actions the admin may use (reading is checked by Page.Protect). */
export function usePermissions() {
  const { allowedActions, isLoading } = useRBAC(ACTIONS);
  return { canManageRuns: allowedActions.canManageRuns, canManageResults: allowedActions.canManageResults, isLoading };
}
