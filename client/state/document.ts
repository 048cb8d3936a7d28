/** The one editor document of the page, with React hooks over it. */
import { useStore } from 'zustand';
import { createDocumentStore, isDirty, type DocumentStore } from './document-store.ts';

export const documentStore = createDocumentStore();

export function useDocument<T>(selector: (state: DocumentStore) => T): T {
  return useStore(documentStore, selector);
}

export function useDirty(): boolean {
  return useDocument((state) => isDirty(state));
}
