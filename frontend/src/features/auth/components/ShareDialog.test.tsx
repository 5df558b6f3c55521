import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../../api/client';
import { renderWithProviders } from '../../../test/render';
import type { Viewer } from '../lib/permissions';
import { ViewerContext } from '../lib/viewerContext';
import { ShareDialog, type Shareable } from './ShareDialog';

const bob: Viewer = {
  mode: 'signed-in',
  username: 'bob',
  isAdmin: false,
  teams: [
    { id: 3, name: 'ml', role: 'owner' },
    { id: 4, name: 'infra', role: 'member' },
  ],
};
const preset: Shareable = { name: 'Team Sweep', owner: 'bob', visibility: 'private', team_ids: [] };

function renderDialog(onSave: (body: unknown) => Promise<unknown>, object: Shareable = preset) {
  const onClose = vi.fn();
  renderWithProviders(
    <ViewerContext.Provider value={{ viewer: bob, teamNames: new Map([[3, 'ml'], [4, 'infra']]) }}>
      <ShareDialog object={object} kind="preset" onSave={onSave} onClose={onClose} />
    </ViewerContext.Provider>,
  );
  return { onClose };
}

describe('ShareDialog', () => {
  it("shares with the teams picked from the user's teams", async () => {
    const onSave = vi.fn().mockResolvedValue(undefined);
    const { onClose } = renderDialog(onSave);
    const user = userEvent.setup();
    expect(screen.getByRole('radio', { name: 'Private' })).toBeChecked();
    await user.click(screen.getByRole('radio', { name: 'Teams' }));
    // Save waits for at least one team.
    expect(screen.getByRole('button', { name: 'Save sharing' })).toBeDisabled();
    await user.click(screen.getByPlaceholderText('Pick teams'));
    await user.click(await screen.findByRole('option', { name: 'infra' }));
    await user.click(screen.getByRole('button', { name: 'Save sharing' }));
    await waitFor(() => expect(onSave).toHaveBeenCalledWith({ visibility: 'teams', team_ids: [4] }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
  });

  it('makes a shared preset public with no teams', async () => {
    const onSave = vi.fn().mockResolvedValue(undefined);
    renderDialog(onSave, { ...preset, visibility: 'teams', team_ids: [3] });
    const user = userEvent.setup();
    await user.click(screen.getByRole('radio', { name: 'Public' }));
    await user.click(screen.getByRole('button', { name: 'Save sharing' }));
    await waitFor(() => expect(onSave).toHaveBeenCalledWith({ visibility: 'public', team_ids: [] }));
  });

  it("shows the server's sentence when sharing is refused, and stays open", async () => {
    const sentence = 'You are not a member of team 9: share only with your own teams.';
    const onSave = vi.fn().mockRejectedValue(new ApiError(403, sentence));
    const { onClose } = renderDialog(onSave);
    const user = userEvent.setup();
    await user.click(screen.getByRole('radio', { name: 'Public' }));
    await user.click(screen.getByRole('button', { name: 'Save sharing' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(sentence);
    expect(onClose).not.toHaveBeenCalled();
  });
});
