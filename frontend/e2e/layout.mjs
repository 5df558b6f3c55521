// Layout checks for the browser tests: nothing on a page may be cut off or pushed out of its card.
//
// findOverflows(page) walks the DOM of the page as it is rendered and returns one sentence per
// problem found:
//   - the page itself scrolls sideways;
//   - an element's content is wider than the element (scrollWidth > clientWidth): its content is
//     clipped ("Actio", "BENCHM..."), scrolls sideways (a table in a scroll box), or spills out;
//   - an element's box leaves the box of the card (Paper, modal, drawer) it sits in.
// Form fields (their text scrolls inside them by nature), visually hidden text, SVG internals and
// two decorative parts (a Switch's track, whose thumb rests against its edge, and a spinning
// Loader) are not checked, nor are toasts (they slide in from beyond the window by design); an
// element that is meant to scroll sideways says so with `data-scroll-x`.

/** The viewports every page is checked and photographed at. */
export const VIEWPORTS = [
  { name: '1280x800', width: 1280, height: 800 },
  { name: '1366x900', width: 1366, height: 900 },
  { name: '1920x1080', width: 1920, height: 1080 },
  { name: 'tablet-768x1024', width: 768, height: 1024 },
];

export async function findOverflows(page) {
  return page.evaluate(() => {
    const problems = [];
    const TOLERANCE = 1;

    const describe = (el) => {
      const testId = el.getAttribute('data-testid');
      const cls = [...el.classList].find((c) => c.startsWith('mantine-')) ?? el.classList[0];
      const text = (el.textContent || '').replace(/\s+/g, ' ').trim().slice(0, 40);
      return `<${el.tagName.toLowerCase()}${testId ? ` data-testid="${testId}"` : ''}${cls ? ` class="${cls}"` : ''}>${text ? ` “${text}”` : ''}`;
    };
    const skipped = (el) =>
      ['INPUT', 'TEXTAREA', 'SELECT', 'OPTION', 'SCRIPT', 'STYLE', 'NOSCRIPT'].includes(el.tagName) ||
      (el instanceof SVGElement && el.tagName.toLowerCase() !== 'svg') ||
      el.classList.contains('mantine-Switch-track') ||
      el.classList.contains('mantine-Loader-root') ||
      el.closest('[data-scroll-x], .mantine-Notifications-root') !== null;
    const shown = (el, rect) => {
      if (rect.width < 2 || rect.height < 2) return false;
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden' || style.display === 'none' || Number(style.opacity) === 0) return false;
      // Visually hidden text (for screen readers) is clipped on purpose.
      if (style.clip && style.clip !== 'auto') return false;
      if (style.clipPath && style.clipPath !== 'none') return false;
      return true;
    };

    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth + TOLERANCE) {
      problems.push(`the page scrolls sideways: ${root.scrollWidth}px of content in a ${root.clientWidth}px window`);
    }

    // 1. Content wider than its element: clipped, scrolled sideways or spilling out.
    const wide = new Set();
    for (const el of document.body.querySelectorAll('*')) {
      if (skipped(el)) continue;
      if (el.clientWidth === 0) continue; // inline boxes have no client width
      if (el.scrollWidth <= el.clientWidth + TOLERANCE) continue;
      const rect = el.getBoundingClientRect();
      if (!shown(el, rect)) continue;
      // Report the innermost element only: its ancestors are wide because of it.
      wide.add(el);
    }
    for (const el of wide) {
      const innerWide = [...wide].some((other) => other !== el && el.contains(other));
      if (innerWide) continue;
      const style = getComputedStyle(el);
      const how = style.overflowX === 'visible' ? 'spills out of' : style.overflowX === 'hidden' || style.overflowX === 'clip' ? 'is cut off in' : 'scrolls sideways in';
      problems.push(`${describe(el)}: ${el.scrollWidth}px of content ${how} ${el.clientWidth}px`);
    }

    // 2. Elements that leave their card's box.
    const cards = document.querySelectorAll(
      '.mantine-Paper-root, .mantine-Modal-content, .mantine-Drawer-content, .mantine-Card-root',
    );
    for (const card of cards) {
      const box = card.getBoundingClientRect();
      if (!shown(card, box)) continue;
      const outside = [];
      for (const el of card.querySelectorAll('*')) {
        if (skipped(el)) continue;
        if (outside.some((o) => o.contains(el))) continue;
        const style = getComputedStyle(el);
        if (style.position === 'fixed') continue;
        const rect = el.getBoundingClientRect();
        if (!shown(el, rect)) continue;
        if (rect.left < box.left - TOLERANCE || rect.right > box.right + TOLERANCE) {
          outside.push(el);
          problems.push(
            `${describe(el)} leaves its card ${describe(card).slice(0, 60)}: x ${Math.round(rect.left)}–${Math.round(rect.right)} outside ${Math.round(box.left)}–${Math.round(box.right)}`,
          );
        }
      }
    }
    return problems;
  });
}

/** Fails with every overflow found on the page, named with `where`. */
export async function assertNoOverflow(page, where) {
  const problems = await findOverflows(page);
  if (problems.length) {
    throw new Error(`${where}: ${problems.length} element(s) overflow their container:\n      - ${problems.slice(0, 12).join('\n      - ')}`);
  }
}
