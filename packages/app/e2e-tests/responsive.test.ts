import { test, expect, Page } from '@playwright/test';
import { signInAsGuest } from './helpers';
import { requestLongNamedDatabase, trellisPages } from './trellisPages';

/*
 * Every Trellis page at the widths people use: a wide monitor, a small
 * laptop, a browser on half a laptop screen, a phone. At each, no table
 * header or cell may break inside a word, and the page itself may not scroll
 * sideways (a wide table scrolls inside its own region instead).
 */
const WIDTHS = [1440, 1024, 800, 390];

type Layout = {
  /** Words rendered on more than one line, with where they are. */
  brokenWords: string[];
  /** Scroll containers (or the page) that scroll sideways outside a table. */
  sidewaysScroll: string[];
};

/**
 * Runs in the page. A word is a run of non-space characters; it is broken when
 * its characters render on more than one line. For every table header and
 * cell, the number of lines the text occupies must not exceed its word count,
 * which holds exactly when no word is split (checked word by word, so the
 * report can name the word).
 */
function measureLayout(): Layout {
  const describe = (el: Element) => {
    const label =
      el.closest('table')?.getAttribute('aria-label') ??
      el.closest('[aria-label]')?.getAttribute('aria-label') ??
      '';
    return `${el.tagName.toLowerCase()}${label ? ` in "${label}"` : ''}`;
  };
  // Boxes of one line can differ by a pixel or two (inline boxes of mixed
  // fonts); lines are at least ~10 px apart.
  const distinctLines = (tops: number[]) => {
    const sorted = tops.map(Math.round).sort((a, b) => a - b);
    return sorted.filter((top, i) => i === 0 || top - sorted[i - 1] > 4).length;
  };
  const lineTops = (range: Range) =>
    distinctLines(
      Array.from(range.getClientRects())
        .filter(rect => rect.width > 0 && rect.height > 0)
        .map(rect => rect.top),
    );

  const brokenWords: string[] = [];
  const cells = Array.from(
    document.querySelectorAll(
      'table th, table td, [role="columnheader"], [role="cell"]',
    ),
  );
  for (const cell of cells) {
    const box = cell.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    let wordCount = 0;
    // The lines the cell's text occupies: tops of its text nodes' boxes
    // (chips, icons and other boxes in the cell are not lines of text).
    const textTops: number[] = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent ?? '';
      const all = document.createRange();
      all.selectNodeContents(node);
      for (const rect of Array.from(all.getClientRects())) {
        if (rect.width > 0 && rect.height > 0) textTops.push(rect.top);
      }
      for (const match of text.matchAll(/\S+/g)) {
        wordCount += 1;
        const word = document.createRange();
        word.setStart(node, match.index!);
        word.setEnd(node, match.index! + match[0].length);
        if (lineTops(word) > 1) {
          brokenWords.push(`"${match[0]}" (${describe(cell)})`);
        }
      }
    }
    const lines = distinctLines(textTops);
    if (wordCount > 0 && lines > wordCount) {
      brokenWords.push(
        `${lines} lines for ${wordCount} words: "${
          cell.textContent
        }" (${describe(cell)})`,
      );
    }
  }

  const sidewaysScroll: string[] = [];
  const root = document.scrollingElement ?? document.documentElement;
  if (root.scrollWidth > root.clientWidth + 1) {
    sidewaysScroll.push(
      `the page (${root.scrollWidth} px wide in a ${root.clientWidth} px window)`,
    );
  }
  for (const el of Array.from(document.querySelectorAll('body *'))) {
    const style = getComputedStyle(el);
    if (style.overflowX !== 'auto' && style.overflowX !== 'scroll') continue;
    if (el.scrollWidth <= el.clientWidth + 1) continue;
    // A table's own scroll region is the sanctioned way to show a wide table.
    if (el.querySelector(':scope > table')) continue;
    sidewaysScroll.push(
      `${el.tagName.toLowerCase()}.${String(el.className).split(' ')[0]} (${
        el.scrollWidth
      } px in ${el.clientWidth} px)`,
    );
  }
  return { brokenWords, sidewaysScroll };
}

async function expectReadable(page: Page, name: string, width: number) {
  await page.waitForLoadState('networkidle');
  const layout = await page.evaluate(measureLayout);
  expect(
    layout.brokenWords,
    `${name} at ${width} px: words broken across lines`,
  ).toEqual([]);
  expect(
    layout.sidewaysScroll,
    `${name} at ${width} px: scrolls sideways outside a table`,
  ).toEqual([]);
}

for (const width of WIDTHS) {
  test(`every Trellis page is readable at ${width} px`, async ({
    page,
    request,
  }) => {
    test.setTimeout(240_000);
    const resource = await requestLongNamedDatabase(request);
    await signInAsGuest(page);
    // After signing in: below 600 px the sidebar is Backstage's bottom bar,
    // which signInAsGuest does not look for.
    await page.setViewportSize({ width, height: 900 });

    const failures: string[] = [];
    for (const { name, path, ready } of trellisPages(page, resource)) {
      await test.step(name, async () => {
        try {
          await page.goto(path);
          await ready();
          await expectReadable(page, name, width);
        } catch (e) {
          failures.push(
            (e as Error).message.split('\n').slice(0, 12).join('\n'),
          );
        }
      });
    }
    expect(failures, failures.join('\n\n')).toEqual([]);
  });
}
