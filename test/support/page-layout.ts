/// <reference lib="dom" />
// layoutProblems() runs in the browser (page.evaluate).
import type { Page } from 'playwright-core';

/**
 * What a reader would see as broken in the dashboard's cards: content wider than its box (clipped),
 * a figure tile missing a border, or a word split across two lines (every text node is measured
 * word by word; the page puts its own break points, <wbr>, between text nodes).
 */
export function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    for (const element of document.querySelectorAll<HTMLElement>('.card, .card dd, .card dt, .card td, .card th, .figures > div')) {
      if (element.scrollWidth > element.clientWidth + 1 && !element.closest('.table-wrap')) {
        problems.push(`clipped: ${element.className || element.tagName} "${element.textContent.trim().slice(0, 40)}"`);
      }
    }
    for (const tile of document.querySelectorAll<HTMLElement>('.figures > div')) {
      const style = getComputedStyle(tile);
      const widths = [style.borderTopWidth, style.borderRightWidth, style.borderBottomWidth, style.borderLeftWidth];
      if (widths.some((width) => width === '0px')) problems.push(`tile without a full border: "${tile.textContent.trim()}"`);
    }
    const walker = document.createTreeWalker(document.querySelector('#dashboard')!, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.textContent!.matchAll(/\S+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const tops = new Set([...range.getClientRects()].filter((rect) => rect.width > 0).map((rect) => Math.round(rect.top)));
        if (tops.size > 1) problems.push(`word split across lines: "${match[0]}"`);
      }
    }
    return problems;
  });
}
