/**
 * Who may do what with a preset or a task, as the README's access-control matrix says. The UI
 * uses it to show only the buttons that will work; the server's 403 stays the truth when the two
 * disagree (a role changed since the page was loaded).
 */
import type { Me, Visibility } from '../api/authService';

/** What the UI knows about the caller. */
export interface Viewer {
  mode: Me['mode'];
  username: string | null;
  isAdmin: boolean;
  /** The caller's teams and role in each. */
  teams: { id: number; name: string; role: 'owner' | 'member' | 'viewer' | null }[];
}

/** Nobody signed in and no user exists: the operator of a single-user install, who may do anything. */
export const SINGLE_USER: Viewer = { mode: 'single-user', username: null, isAdmin: true, teams: [] };

export function viewerFromMe(me: Me): Viewer {
  if (me.mode === 'single-user') return SINGLE_USER;
  return {
    mode: me.mode,
    username: me.user?.username ?? null,
    isAdmin: !!me.user?.is_admin,
    teams: me.teams.map((t) => ({ id: t.id, name: t.name, role: t.role })),
  };
}

/** A preset or a task as far as access goes. */
export interface Owned {
  owner: string | null;
  visibility: Visibility;
  team_ids: number[];
  /** System presets: readable by all, writable by none. */
  is_system?: boolean;
}

const isOwner = (viewer: Viewer, object: Owned) => viewer.username !== null && object.owner === viewer.username;

/** Owner, admin (and the single-user operator): edit, share, delete. */
function hasFullRights(viewer: Viewer, object: Owned): boolean {
  if (object.is_system) return false;
  if (viewer.mode === 'single-user') return true;
  if (viewer.mode !== 'signed-in') return false;
  return viewer.isAdmin || isOwner(viewer, object);
}

/** Edit covers updating, merging into a task, starting, cancelling and running a task again. */
export function canEdit(viewer: Viewer, object: Owned): boolean {
  if (hasFullRights(viewer, object)) return true;
  if (object.is_system || viewer.mode !== 'signed-in' || object.visibility !== 'teams') return false;
  // Team owners and members edit what is shared with their team; viewers only read it.
  return viewer.teams.some((t) => object.team_ids.includes(t.id) && (t.role === 'owner' || t.role === 'member'));
}

export function canShare(viewer: Viewer, object: Owned): boolean {
  return hasFullRights(viewer, object);
}

export function canDelete(viewer: Viewer, object: Owned): boolean {
  return hasFullRights(viewer, object);
}

/** "Private", "Teams: ml, infra" or "Public"; a team the caller cannot see is "team #3". */
export function visibilityLabel(object: Owned, teamNames: ReadonlyMap<number, string>): string {
  if (object.is_system) return 'System';
  if (object.visibility === 'public') return 'Public';
  if (object.visibility === 'private') return 'Private';
  const names = object.team_ids.map((id) => teamNames.get(id) ?? `team #${id}`);
  return names.length ? `Teams: ${names.join(', ')}` : 'Teams: none';
}

/** The list filter beside the existing ones: everything visible, mine, one team's, or public. */
export type OwnerFilter = 'all' | 'mine' | 'public' | `team:${number}`;

/** The server's query parameters for an owner filter (`?mine=true`, `?team=3`, `?visibility=public`). */
export function ownerFilterQuery(filter: OwnerFilter): { mine?: boolean; team?: number; visibility?: Visibility } {
  if (filter === 'mine') return { mine: true };
  if (filter === 'public') return { visibility: 'public' };
  if (filter.startsWith('team:')) return { team: Number(filter.slice(5)) };
  return {};
}
