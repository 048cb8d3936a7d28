/**
 * Keyboard shortcuts of the editor: undo (Ctrl/Cmd+Z), redo (Ctrl/Cmd+Shift+Z, Ctrl+Y), copy and
 * paste nodes (Ctrl/Cmd+C / V), save (Ctrl/Cmd+S). Delete is React Flow's own (Delete/Backspace).
 */
import { useEffect } from 'react';
import { documentStore } from './document.ts';
import { isDirty } from './document-store.ts';
import { copyNodes, pasteNodes, type Clipboard } from './flow-edits.ts';
import { saveFlow } from './flow-actions.ts';
import { useRun } from './run-store.ts';
import { useUi } from './ui-store.ts';

let clipboard: Clipboard | null = null;
let pastes = 0;

function typingIn(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT';
}

export function handleShortcut(event: KeyboardEvent): boolean {
  const mod = event.ctrlKey || event.metaKey;
  if (!mod || event.altKey) return false;
  const key = event.key.toLowerCase();
  // On the start page no flow is open: nothing to save, undo or paste into (Ctrl+S still kept from the browser).
  if (useUi.getState().startPage) return key === 's';
  if (key === 's') {
    void saveFlow();
    return true;
  }
  if (typingIn(event.target) || useUi.getState().dialog || useRun.getState().runId) return false;
  const store = documentStore.getState();
  if (key === 'z' && !event.shiftKey) store.undo();
  else if ((key === 'z' && event.shiftKey) || (key === 'y' && event.ctrlKey)) store.redo();
  else if (key === 'c') {
    if (store.selection.nodes.length === 0) return false;
    clipboard = copyNodes(store.flow, store.selection.nodes);
    pastes = 0;
    useUi.getState().notify(`Copied ${clipboard.nodes.length} node${clipboard.nodes.length === 1 ? '' : 's'}`);
  } else if (key === 'v') {
    if (!clipboard || clipboard.nodes.length === 0) return false;
    pastes += 1;
    const { flow, nodeIds } = pasteNodes(store.flow, clipboard, { x: 40 * pastes, y: 40 * pastes });
    store.commit(flow);
    store.select({ nodes: nodeIds, edges: [] });
  } else return false;
  return true;
}

export function useShortcuts(): void {
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (handleShortcut(event)) event.preventDefault();
    };
    // Leaving the page with unsaved changes asks first (the browser's own prompt).
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      const state = documentStore.getState();
      if (state.savedText === null && state.past.length === 0) return;
      if (isDirty(state)) event.preventDefault();
    };
    window.addEventListener('keydown', onKeyDown);
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => {
      window.removeEventListener('keydown', onKeyDown);
      window.removeEventListener('beforeunload', onBeforeUnload);
    };
  }, []);
}
