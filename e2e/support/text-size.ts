/** How large text is on screen: its CSS font size times the scale of any transform (the canvas zoom). */
import type { Locator } from '@playwright/test';

export interface TextSize {
  text: string;
  px: number;
}

/**
 * Every visible element under `root` holding text of its own, with its font size as drawn: the
 * computed size times the scale of the transforms above it (1 outside the canvas).
 */
export async function textSizes(root: Locator): Promise<TextSize[]> {
  return root.evaluate((element) => {
    const sizes: Array<{ text: string; px: number }> = [];
    const all = [element, ...element.querySelectorAll('*')];
    for (const node of all) {
      if (!(node instanceof HTMLElement)) continue;
      const own = [...node.childNodes].filter((child) => child.nodeType === Node.TEXT_NODE).map((child) => child.textContent ?? '').join('').trim();
      if (!own) continue;
      const style = getComputedStyle(node);
      if (style.visibility === 'hidden' || style.display === 'none' || style.color === 'rgba(0, 0, 0, 0)' || style.color === 'transparent') continue;
      const box = node.getBoundingClientRect();
      if (box.width === 0) continue;
      // The scale of every transform above it (the canvas zoom is one on .react-flow__viewport).
      let scale = 1;
      for (let parent: Element | null = node; parent; parent = parent.parentElement) {
        const transform = getComputedStyle(parent).transform;
        if (transform && transform !== 'none') scale *= new DOMMatrixReadOnly(transform).a;
      }
      sizes.push({ text: own.slice(0, 40), px: parseFloat(style.fontSize) * scale });
    }
    return sizes;
  });
}

/** The texts drawn smaller than `min` px (empty when everything is readable). */
export async function textsBelow(root: Locator, min: number): Promise<TextSize[]> {
  return (await textSizes(root)).filter((size) => size.px < min - 0.01);
}
