import AxeBuilder from '@axe-core/playwright';
import { test, expect } from '@playwright/test';
import { signInAsGuest } from './helpers';
import { requestLongNamedDatabase, trellisPages } from './trellisPages';

/*
 * axe on every Trellis page, in the light and the dark theme: no serious or
 * critical violation (contrast, names of controls, landmarks, ARIA misuse).
 */
for (const theme of ['light', 'dark']) {
  test(`every Trellis page passes axe in the ${theme} theme`, async ({
    page,
    request,
  }) => {
    test.setTimeout(240_000);
    const resource = await requestLongNamedDatabase(request);
    await page.addInitScript(
      t => window.localStorage.setItem('theme', t),
      theme,
    );
    await signInAsGuest(page);

    const failures: string[] = [];
    for (const { name, path, ready } of trellisPages(page, resource)) {
      await test.step(name, async () => {
        await page.goto(path);
        await ready();
        await page.waitForLoadState('networkidle');
        const results = await new AxeBuilder({ page })
          // Backstage's page header tabs point aria-controls at a tab panel
          // they never render (a framework defect, not Trellis markup).
          .exclude('[role="tablist"] [role="tab"][aria-controls*="tabpanel"]')
          .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
          .analyze();
        for (const violation of results.violations) {
          if (violation.impact !== 'serious' && violation.impact !== 'critical')
            continue;
          const where = violation.nodes
            .slice(0, 5)
            .map(
              node =>
                `    ${node.target.join(' ')}: ${
                  node.failureSummary?.split('\n')[1]?.trim() ?? ''
                }`,
            )
            .join('\n');
          failures.push(
            `${name} (${theme}): ${violation.id} [${violation.impact}] ${violation.help}\n${where}`,
          );
        }
      });
    }
    expect(failures, failures.join('\n')).toEqual([]);
  });
}
