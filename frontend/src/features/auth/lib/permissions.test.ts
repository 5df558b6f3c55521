import { describe, expect, it } from 'vitest';
import { canDelete, canEdit, canShare, ownerFilterQuery, SINGLE_USER, viewerFromMe, visibilityLabel, type Owned, type Viewer } from './permissions';

const alice: Viewer = { mode: 'signed-in', username: 'alice', isAdmin: false, teams: [] };
const inTeam = (role: 'owner' | 'member' | 'viewer'): Viewer => ({ ...alice, username: 'bob', teams: [{ id: 3, name: 'ml', role }] });
const admin: Viewer = { mode: 'signed-in', username: 'root', isAdmin: true, teams: [] };
const stranger: Viewer = { mode: 'signed-in', username: 'eve', isAdmin: false, teams: [{ id: 9, name: 'other', role: 'owner' }] };
const signedOut: Viewer = { mode: 'signed-out', username: null, isAdmin: false, teams: [] };

const obj = (visibility: Owned['visibility'], team_ids: number[] = []): Owned => ({ owner: 'alice', visibility, team_ids });
const system: Owned = { owner: null, visibility: 'public', team_ids: [], is_system: true };

// The README's matrix: [who, visibility, may edit, may share, may delete].
const MATRIX: [string, Viewer, Owned, boolean, boolean, boolean][] = [
  ['owner, private', alice, obj('private'), true, true, true],
  ['owner, public', alice, obj('public'), true, true, true],
  ['admin, private', admin, obj('private'), true, true, true],
  ['admin, teams', admin, obj('teams', [3]), true, true, true],
  ['team owner, teams', inTeam('owner'), obj('teams', [3]), true, false, false],
  ['member, teams', inTeam('member'), obj('teams', [3]), true, false, false],
  ['viewer, teams', inTeam('viewer'), obj('teams', [3]), false, false, false],
  ['member, public', inTeam('member'), obj('public'), false, false, false],
  ['member of another team, teams', stranger, obj('teams', [3]), false, false, false],
  ['anyone, system preset', admin, system, false, false, false],
  ['single-user operator, private', SINGLE_USER, obj('private'), true, true, true],
  ['single-user operator, system preset', SINGLE_USER, system, false, false, false],
  ['signed out', signedOut, obj('public'), false, false, false],
  ['nobody owns it (made before users): a user', alice, { owner: null, visibility: 'private', team_ids: [] }, false, false, false],
];

describe('permissions', () => {
  it.each(MATRIX)('%s', (_name, viewer, object, edit, share, del) => {
    expect([canEdit(viewer, object), canShare(viewer, object), canDelete(viewer, object)]).toEqual([edit, share, del]);
  });

  it('reads the caller from /api/auth/me', () => {
    expect(viewerFromMe({ mode: 'single-user', user: null, teams: [] })).toBe(SINGLE_USER);
    const viewer = viewerFromMe({
      mode: 'signed-in',
      user: { id: 2, username: 'bob', is_admin: false, disabled: false, created_at: '2026-01-01T00:00:00Z' },
      teams: [{ id: 3, name: 'ml', role: 'viewer', created_at: '2026-01-01T00:00:00Z' }],
    });
    expect(viewer).toEqual({ mode: 'signed-in', username: 'bob', isAdmin: false, teams: [{ id: 3, name: 'ml', role: 'viewer' }] });
  });

  it('labels visibility with team names, and names a team it cannot see by number', () => {
    const names = new Map([[3, 'ml'], [4, 'infra']]);
    expect(visibilityLabel(obj('private'), names)).toBe('Private');
    expect(visibilityLabel(obj('public'), names)).toBe('Public');
    expect(visibilityLabel(obj('teams', [3, 4]), names)).toBe('Teams: ml, infra');
    expect(visibilityLabel(obj('teams', [7]), names)).toBe('Teams: team #7');
    expect(visibilityLabel(system, names)).toBe('System');
  });

  it('turns the owner filter into the server query parameters', () => {
    expect(ownerFilterQuery('all')).toEqual({});
    expect(ownerFilterQuery('mine')).toEqual({ mine: true });
    expect(ownerFilterQuery('public')).toEqual({ visibility: 'public' });
    expect(ownerFilterQuery('team:3')).toEqual({ team: 3 });
  });
});
