/** The signed-in caller, as the AuthGate provides it; without a provider: the single-user operator. */
import { createContext, useContext } from 'react';
import { SINGLE_USER, type Viewer } from './permissions';

export interface ViewerState {
  viewer: Viewer;
  /** Names of the teams the caller can see (admins: all), by id. */
  teamNames: ReadonlyMap<number, string>;
}

export const ViewerContext = createContext<ViewerState>({ viewer: SINGLE_USER, teamNames: new Map() });

export function useViewer(): ViewerState {
  return useContext(ViewerContext);
}

/** True when accounts matter: someone is signed in (not the single-user operator). */
export function useAccountsOn(): boolean {
  return useViewer().viewer.mode === 'signed-in';
}
