// tests/report_check.mjs -- load holeprof report pages in headless Chromium
// (Debian's /usr/bin/chromium driven by playwright-core) and check what a
// reader would see.  Run by tests/t_report.sh:
//
//   node report_check.mjs EXPECT.json
//
// EXPECT.json (written by the shell test from the database):
//   { "chromium": "/usr/bin/chromium", "profile_dir": DIR, "screenshot": PNG,
//     "report": HTML, "diff": HTML or null, "hostile": HTML or null,
//     "hostile_name": STRING, "offenders": [names in `top` order],
//     "types": N, "filter": "arr", "filter_rows": N,
//     "cells": { "TYPE_ID": { "current": {"IDX": cells, ...}, "total": N } },
//     "diff_changes": { "NAME": "grew", ... } }
//
// Prints one line per check ("ok ..." or "FAIL ...") and exits 1 if any
// failed, 2 if the browser could not run at all.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(path.join(process.cwd(), 'x.js'));
const { chromium } = require('playwright-core');

const want = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
let failed = 0, checks = 0;
function check(what, ok, detail) {
    checks++;
    if (ok) {
        console.log(`ok ${what}`);
    } else {
        failed++;
        console.log(`FAIL ${what}${detail === undefined ? '' : ': ' + detail}`);
    }
}
function eq(what, expected, actual) {
    const e = JSON.stringify(expected), a = JSON.stringify(actual);
    check(what, e === a, `expected ${e} got ${a}`);
}

// a new empty profile: playwright passes it as --user-data-dir
const browser = await chromium.launchPersistentContext(want.profile_dir, {
    executablePath: want.chromium,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
}).catch((e) => {
    console.log(`cannot launch chromium: ${e.message.split('\n')[0]}`);
    process.exit(2);
});

// Open a page, recording console errors, script errors and any request
// that is not the file itself (the page must need no network).
async function open(file) {
    const page = await browser.newPage();
    const errors = [], requests = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.route('**/*', (route) => {
        const u = route.request().url();
        if (!u.startsWith('file://')) {
            requests.push(u);
            return route.abort();
        }
        return route.continue();
    });
    await page.goto('file://' + path.resolve(file), { waitUntil: 'load' });
    return { page, errors, requests };
}

// ---- the report ----
{
    const { page, errors, requests } = await open(want.report);
    eq('report: no console errors', [], errors);
    eq('report: no network requests', [], requests);

    const names = await page.$$eval('article.offender', (a) => a.map((x) => x.dataset.name));
    eq('offenders in top order', want.offenders, names);

    // every map is drawn: a box on screen and one rect per cell
    const maps = await page.$$eval('svg.bytemap', (svgs) => svgs.map((s) => {
        const r = s.getBoundingClientRect();
        const members = {};
        for (const g of s.querySelectorAll('g.member'))
            members[g.dataset.member] = [Number(g.dataset.memberCells),
                                         g.querySelectorAll('rect.cell').length];
        return { id: s.dataset.typeId, layout: s.dataset.layout, w: r.width, h: r.height,
                 cells: Number(s.dataset.cells), rects: s.querySelectorAll('rect.cell').length,
                 holes: s.querySelectorAll('rect.hole').length, holeAttr: Number(s.dataset.holeCells),
                 members };
    }));
    check('byte maps present', maps.length >= 2 * Math.min(want.offenders.length, 1),
          `${maps.length} maps`);
    for (const m of maps) {
        const tag = `map ${m.id}/${m.layout}`;
        check(`${tag}: rendered`, m.w > 100 && m.h > 10, `${m.w}x${m.h}`);
        eq(`${tag}: rects = data-cells`, m.cells, m.rects);
        eq(`${tag}: hole rects = data-hole-cells`, m.holeAttr, m.holes);
        for (const [idx, [attr, n]] of Object.entries(m.members))
            if (attr !== n)
                check(`${tag}: member ${idx} rects = data-member-cells`, false, `${attr} vs ${n}`);
        const exp = want.cells[m.id];
        if (exp && m.layout === 'current') {
            eq(`${tag}: cells expected from the database`, exp.total, m.cells);
            const got = {};
            for (const [idx, [, n]] of Object.entries(m.members))
                got[idx] = n;
            eq(`${tag}: member cells expected from the database`, exp.current, got);
        }
    }

    // the hatch patterns resolve (a broken url() would paint nothing)
    const hatch = await page.$$eval('#hp-hatch, #hp-tail', (p) => p.length);
    eq('hatch patterns defined', 2, hatch);

    // sorting: numbers descending on the first click, ascending on the next
    const col = await page.$$eval('#types-table thead th', (ths) =>
        ths.findIndex((t) => t.dataset.key === 'size'));
    const sizes = async () => page.$$eval('#types-table tbody tr', (rows, i) =>
        rows.map((r) => Number(r.cells[i].dataset.v)), col);
    await page.click('#types-table th[data-key=size]');
    let v = await sizes();
    eq('sort by size: descending', [...v].sort((a, b) => b - a), v);
    eq('sort by size: aria-sort', 'descending',
       await page.getAttribute('#types-table th[data-key=size]', 'aria-sort'));
    await page.click('#types-table th[data-key=size]');
    v = await sizes();
    eq('sort by size: ascending', [...v].sort((a, b) => a - b), v);
    await page.click('#types-table th[data-key=name]');
    const tnames = await page.$$eval('#types-table tbody tr', (rows) =>
        rows.map((r) => r.dataset.name.toLowerCase()));
    eq('sort by name', [...tnames].sort(), tnames);
    eq('all types listed', want.types, tnames.length);

    // filtering
    await page.fill('#type-filter', want.filter);
    const shown = await page.$$eval('#types-table tbody tr', (rows) =>
        rows.filter((r) => !r.hidden).map((r) => r.dataset.name));
    eq('filter: rows shown', want.filter_rows, shown.length);
    check('filter: every row matches', shown.every((n) => n.toLowerCase().includes(want.filter)),
          JSON.stringify(shown));
    const count = await page.textContent('#type-count');
    eq('filter: count line', `${want.filter_rows} of ${want.types} types`, count);
    await page.fill('#type-filter', '');

    await page.screenshot({ path: want.screenshot, fullPage: true });
    check('screenshot saved', fs.statSync(want.screenshot).size > 10000);

    // hovering a member lights it in both maps
    const first = await page.$('article.offender svg.bytemap g.member');
    if (first) {
        await first.hover();
        const lit = await page.$$eval('article.offender:first-of-type .hl', (e) => e.length);
        check('hover lights a member in both maps and the legend', lit >= 2, `${lit} lit`);
    }
    await page.close();
}

// ---- a database with hostile names: shown as text, never as markup ----
if (want.hostile) {
    const { page, errors } = await open(want.hostile);
    eq('hostile: no console errors', [], errors);
    eq('hostile: no injected element', 0, await page.$$eval('#pwned, img', (e) => e.length));
    const t = await page.$$eval('article.offender', (a) => a.map((x) => x.dataset.name));
    check('hostile: name shown verbatim', t.includes(want.hostile_name), JSON.stringify(t));
    const txt = await page.$$eval('article.offender h3 code', (c) => c.map((x) => x.textContent));
    check('hostile: heading text verbatim', txt.includes(want.hostile_name), JSON.stringify(txt));
    if (want.hostile_diff) {
        const d = await page.$$eval('#diff-table tbody tr', (rows) =>
            rows.map((r) => r.cells[2].textContent));
        check('hostile: diff name verbatim', d.includes(want.hostile_name), JSON.stringify(d));
    }
    await page.close();
}

// ---- the diff page ----
if (want.diff) {
    const { page, errors, requests } = await open(want.diff);
    eq('diff: no console errors', [], errors);
    eq('diff: no network requests', [], requests);
    const rows = await page.$$eval('#diff-table tbody tr', (r) =>
        Object.fromEntries(r.map((x) => [x.dataset.name, x.dataset.change])));
    eq('diff: changes', want.diff_changes, rows);
    await page.click('#diff-table thead th:nth-child(3)');
    const dn = await page.$$eval('#diff-table tbody tr', (r) => r.map((x) => x.dataset.name.toLowerCase()));
    eq('diff: sorts by name', [...dn].sort(), dn);
    const s = await page.textContent('#diff-summary');
    check('diff: summary line', /changed/.test(s) && /added/.test(s), s);
    eq('diff: report of the new build follows', true,
       (await page.$$('article.offender')).length > 0);
    await page.screenshot({ path: want.screenshot.replace(/\.png$/, '-diff.png'), fullPage: true });
    await page.close();
}

await browser.close();
console.log(`${checks} browser checks, ${failed} failed`);
process.exit(failed ? 1 : 0);
