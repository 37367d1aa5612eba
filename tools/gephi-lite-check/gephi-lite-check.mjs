#!/usr/bin/env node
// Open graph files in a running Gephi Lite the way a person does, and report what it shows.
//
// For each file: a fresh browser profile, "Open a local file" -> file chooser -> "Open", then read
// back the node and edge counts, the attributes (name and the type Gephi Lite inferred), which
// attributes drive node colour, node size and labels, whether edge labels are drawn, which
// attributes the filter dialog offers, and PNG screenshots of the graph and data views.
//
// Gephi Lite is either already served (--url), or built files to serve (--serve), or a source
// checkout to install and build first (--source): the last is one command from public source to
// the table.
//
// Usage: node gephi-lite-check.mjs (--url URL | --serve DIR | --source DIR) [--out DIR] FILE...
// See README.md for what it needs and what it prints.

import { spawn } from "node:child_process";
import { createReadStream } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

import { chromium } from "playwright-core";

const USAGE = `usage: node gephi-lite-check.mjs (--url URL | --serve DIR | --source DIR [--workdir DIR])
                              [--chromium PATH] [--out DIR] [--json FILE] [--timeout MS] FILE...

  --url URL        a built Gephi Lite, already served on this machine (e.g.
                   http://127.0.0.1:8765/gephi-lite/)
  --serve DIR      a built Gephi Lite (its packages/gephi-lite/build): serve it on 127.0.0.1
                   for the check, then stop
  --source DIR     a Gephi Lite source checkout: copy it to the work directory, install and
                   build it there (npm ci, npm run build), then serve the build as --serve does
  --workdir DIR    where --source builds (default: a temporary directory, removed afterwards;
                   a given one is kept, and its build can be passed to --serve later)
  --chromium PATH  the Chromium to drive (default: /usr/bin/chromium)
  --out DIR        where screenshots and the JSON report go (default: ./gephi-lite-check-out)
  --json FILE      the JSON report (default: DIR/report.json)
  --timeout MS     how long to wait for any one UI state (default: 60000)
  FILE...          .gexf, .graphml, .json (graphology) or Gephi Lite workspace (.json whose
                   "type" is "gephi-lite") files to open`;

// Chromium flags: headless, no GPU, and nothing that phones home.
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

// Gephi Lite's own words for the controls we press. Chromium runs with locale en-US, which
// Gephi Lite shows in its default (English) wording.
const UI = {
  openLocalFile: "Open a local file",
  openMenuItem: "Open...",
  workspace: "Workspace",
  open: "Open",
  appearance: "Appearance",
  labels: "Labels",
  nodes: "Nodes",
  edges: "Edges",
  filters: "Filters",
  addFilter: "Add filter",
  data: "Data",
  graph: "Graph",
  modifyColumn: "Modify column",
};

const VIEWPORT = { width: 1400, height: 900 };

// The path Gephi Lite's build expects to be served under (its config.ts BASE_URL, which we
// also pass to the build so that the two agree).
const BASE_PATH = "/gephi-lite/";

// What a built Gephi Lite holds, by extension; anything else is served as bytes.
const CONTENT_TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".webmanifest": "application/manifest+json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".ttf": "font/ttf",
  ".wasm": "application/wasm",
  ".txt": "text/plain; charset=utf-8",
};

/** Parse the command line; exit 2 with the usage on a bad one. */
function parseCli(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        url: { type: "string" },
        serve: { type: "string" },
        source: { type: "string" },
        workdir: { type: "string" },
        chromium: { type: "string", default: "/usr/bin/chromium" },
        out: { type: "string", default: "gephi-lite-check-out" },
        json: { type: "string" },
        timeout: { type: "string", default: "60000" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    fail(`${e.message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const given = ["url", "serve", "source"].filter((k) => values[k] !== undefined);
  if (given.length !== 1) fail(`give exactly one of --url, --serve and --source\n${USAGE}`);
  if (values.workdir !== undefined && values.source === undefined) fail("--workdir goes with --source");
  if (!positionals.length) fail(`no graph file given\n${USAGE}`);
  let url = null;
  if (values.url !== undefined) {
    try {
      url = new URL(values.url);
    } catch {
      fail(`--url: not a URL: ${values.url}`);
    }
  }
  const timeout = Number(values.timeout);
  if (!Number.isFinite(timeout) || timeout <= 0) fail(`--timeout: not a positive number: ${values.timeout}`);
  return {
    url: url?.href ?? null,
    origin: url?.origin ?? null,
    serveDir: values.serve ?? null,
    sourceDir: values.source ?? null,
    workDir: values.workdir ?? null,
    chromiumPath: values.chromium,
    outDir: values.out,
    jsonPath: values.json || path.join(values.out, "report.json"),
    timeout,
    files: positionals,
  };
}

function fail(message) {
  console.error(`gephi-lite-check: error: ${message}`);
  process.exit(2);
}

/** Run a command with its output on our stderr (stdout is the table); reject unless it exits 0. */
function run(command, args, cwd, env) {
  process.stderr.write(`gephi-lite-check: (in ${cwd}) ${command} ${args.join(" ")}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", process.stderr, process.stderr] });
    child.on("error", (e) => reject(new Error(`${command}: ${e.message}`)));
    child.on("exit", (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(" ")} failed (${signal ?? `exit ${code}`})`)),
    );
  });
}

/** Exit 2 unless DIR looks like a Gephi Lite checkout that npm ci and npm run build can take. */
async function checkSource(sourceDir) {
  const source = path.resolve(sourceDir);
  let manifest;
  try {
    manifest = JSON.parse(await readFile(path.join(source, "package.json"), "utf8"));
  } catch (e) {
    fail(`--source: no readable package.json in ${source} (${e.code || e.message})`);
  }
  if (!manifest.scripts?.build) fail(`--source: ${source}/package.json defines no "build" script`);
  try {
    await stat(path.join(source, "package-lock.json"));
  } catch {
    fail(`--source: ${source} has no package-lock.json, which npm ci needs`);
  }
}

/**
 * Build Gephi Lite from a source checkout the way its README says: install the locked
 * dependencies (npm ci) and run the build its package.json defines (npm run build). The checkout
 * is copied first, without its node_modules and earlier builds, so that the source given is never
 * written to. Returns the directory of built files.
 */
async function buildGephiLite(sourceDir, workDir) {
  const source = path.resolve(sourceDir);
  const tree = path.join(workDir, "gephi-lite");
  await rm(tree, { recursive: true, force: true });
  const skipped = new Set(["node_modules", ".git"]);
  await cp(source, tree, {
    recursive: true,
    filter: (from) => {
      const rel = path.relative(source, from).split(path.sep);
      if (rel.some((part) => skipped.has(part))) return false;
      // Earlier builds: the app's build/ and the libraries' dist/ folders.
      return !(rel[0] === "packages" && rel.length === 3 && ["build", "dist"].includes(rel[2]));
    },
  });
  // BASE_URL is the path the app is built for (config.ts); we serve it there.
  const env = { ...process.env, BASE_URL: BASE_PATH };
  await run("npm", ["ci"], tree, env);
  await run("npm", ["run", "build"], tree, env);
  const built = path.join(tree, "packages", "gephi-lite", "build");
  try {
    await stat(path.join(built, "index.html"));
  } catch {
    throw new Error(`the build wrote no ${path.join(built, "index.html")}`);
  }
  return built;
}

/**
 * Serve a built Gephi Lite on 127.0.0.1 (a free port) under BASE_PATH, as any static file
 * server would; paths without a file fall back to index.html, like the app's own routes.
 * Resolves to the server and the app's URL.
 */
async function serveBuild(buildDir) {
  const root = path.resolve(buildDir);
  try {
    await stat(path.join(root, "index.html"));
  } catch {
    fail(`--serve: no index.html in ${root} (give Gephi Lite's packages/gephi-lite/build)`);
  }
  const server = createServer(async (req, res) => {
    const pathname = decodeURIComponent(new URL(req.url, "http://127.0.0.1").pathname);
    const send404 = () => {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found\n");
    };
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" });
      res.end();
      return;
    }
    if (!pathname.startsWith(BASE_PATH)) return send404();
    let file = path.join(root, pathname.slice(BASE_PATH.length));
    if (file !== root && !file.startsWith(root + path.sep)) return send404();
    let info = await stat(file).catch(() => null);
    if (info?.isDirectory()) {
      file = path.join(file, "index.html");
      info = await stat(file).catch(() => null);
    }
    if (!info && !path.extname(file)) {
      file = path.join(root, "index.html");
      info = await stat(file).catch(() => null);
    }
    if (!info?.isFile()) return send404();
    const type = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream";
    res.writeHead(200, { "content-type": type, "content-length": info.size });
    if (req.method === "HEAD") return res.end();
    createReadStream(file).pipe(res);
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address();
  const url = new URL(BASE_PATH, `http://127.0.0.1:${port}`);
  process.stderr.write(`gephi-lite-check: serving ${root} at ${url.href}\n`);
  return { server, url };
}

/** Resolve after the page has painted twice more. */
function nextFrames(page) {
  return page.evaluate(
    () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))),
  );
}

/**
 * Wait until two successive screenshots of the page are identical (camera moves and fades done).
 * The whole viewport is compared: a locator screenshot would scroll the wide graph stage into
 * view and shift the layout.
 */
async function waitForStillImage(page, tries = 40) {
  let previous = null;
  for (let i = 0; i < tries; i++) {
    await nextFrames(page);
    const shot = await page.screenshot({ animations: "disabled" });
    if (previous && shot.equals(previous)) return true;
    previous = shot;
  }
  return false;
}

/** Scroll the page and every scrolled box back to their top-left corner (for screenshots). */
async function scrollToOrigin(page) {
  await page.evaluate(() => {
    for (const el of [document.scrollingElement, ...document.querySelectorAll("*")]) {
      if (el && (el.scrollLeft || el.scrollTop)) el.scrollTo(0, 0);
    }
  });
  await nextFrames(page);
}

/**
 * Screenshot the data view with every column in sight: widen the window to the table's full
 * width for the shot (up to 6000 px), then put it back.
 */
async function screenshotWholeTable(page, file) {
  await scrollToOrigin(page);
  const extra = await page.evaluate(() => {
    const table = document.querySelector("table");
    const box = table?.parentElement;
    return box ? Math.max(0, table.scrollWidth - box.clientWidth) : 0;
  });
  const width = Math.min(VIEWPORT.width + extra + 20, 6000);
  if (width > VIEWPORT.width) {
    await page.setViewportSize({ width, height: VIEWPORT.height });
    await nextFrames(page);
  }
  await page.screenshot({ path: file });
  if (width > VIEWPORT.width) await page.setViewportSize(VIEWPORT);
  await nextFrames(page);
}

/** Close every notification toast, so that none covers the graph in screenshots. */
async function dismissToasts(page) {
  const close = page.locator(".toasts-container .toast.show .btn-close");
  while ((await close.count()) > 0) {
    await close
      .first()
      .click({ timeout: 2000 })
      .catch(() => {});
  }
  await page
    .locator(".toasts-container .toast.show")
    .waitFor({ state: "detached", timeout: 5000 })
    .catch(() => {});
}

/** A stable key for the type icon that Gephi Lite draws before an attribute name. */
async function iconKey(locator) {
  const svg = locator.locator("svg").first();
  if ((await svg.count()) === 0) return null;
  return svg.evaluate((el) =>
    [el.getAttribute("viewBox") || "", ...Array.from(el.querySelectorAll("path"), (p) => p.getAttribute("d"))].join(
      "|",
    ),
  );
}

/**
 * The file's format: its extension, except that a .json is a Gephi Lite workspace when its
 * "type" is "gephi-lite" (as Gephi Lite itself decides), else graphology.
 */
function formatOf(file, text) {
  const extension = path.extname(file).slice(1).toLowerCase();
  if (extension !== "json") return extension;
  try {
    return JSON.parse(text)?.type === "gephi-lite" ? "gephi-lite" : "graphology";
  } catch {
    return "graphology";
  }
}

/**
 * Read the declared attributes of a GEXF or GraphML file, or the typed fields of a Gephi Lite
 * workspace, to compare with what Gephi Lite shows.
 */
function declaredAttributes(text, format) {
  const attrsOf = (tag) => {
    const out = {};
    for (const m of tag.matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) out[m[1]] = unescapeXml(m[2] ?? m[3]);
    return out;
  };
  const declared = { nodes: [], edges: [] };
  if (format === "gephi-lite") {
    const dataset = JSON.parse(text).graphDataset ?? {};
    for (const [kind, key] of [
      ["nodes", "nodeFields"],
      ["edges", "edgeFields"],
    ]) {
      for (const f of dataset[key] ?? []) declared[kind].push({ id: f.id, title: f.id, type: f.type, typed: true });
    }
  } else if (format === "gexf") {
    for (const block of text.matchAll(/<attributes\b([^>]*)>([\s\S]*?)<\/attributes>/g)) {
      const cls = attrsOf(block[1]).class;
      const kind = cls === "node" ? "nodes" : cls === "edge" ? "edges" : null;
      if (!kind) continue;
      for (const tag of block[2].matchAll(/<attribute\b[^>]*>/g)) {
        const a = attrsOf(tag[0]);
        declared[kind].push({ id: a.id, title: a.title ?? null, type: a.type ?? "string" });
      }
    }
  } else if (format === "graphml") {
    for (const tag of text.matchAll(/<key\b[^>]*>/g)) {
      const a = attrsOf(tag[0]);
      const kind = a.for === "node" ? "nodes" : a.for === "edge" ? "edges" : null;
      if (kind) declared[kind].push({ id: a.id, title: a["attr.name"] ?? null, type: a["attr.type"] ?? "string" });
    }
  }
  return declared;
}

function unescapeXml(s) {
  return s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}

/** Facts about layout, time and 3D in a file, which Gephi Lite may or may not carry over. */
function fileFacts(text, format, declared) {
  const count = (re) => (text.match(re) || []).length;
  if (format === "gexf") {
    return {
      positions: count(/<(?:viz:)?position\b/g),
      positionsWithZ: count(/<(?:viz:)?position\b[^>]*\sz="/g),
      sizes: count(/<(?:viz:)?size\b/g),
      colors: count(/<(?:viz:)?color\b/g),
      elementsWithStartOrEnd: count(/<(?:node|edge)\b[^>]*\s(?:start|end)="/g),
      spells: count(/<spell\b/g),
    };
  }
  if (format === "gephi-lite") {
    const dataset = JSON.parse(text).graphDataset ?? {};
    return { positions: Object.keys(dataset.layout ?? {}).length };
  }
  if (format === "graphml") {
    const keyed = (name) => declared.nodes.some((d) => d.title === name);
    return { positions: keyed("x") && keyed("y"), sizes: keyed("size"), colors: keyed("r") };
  }
  return null;
}

/**
 * The Open dialog: from the welcome dialog when it shows, else from the Workspace menu.
 * Then the file chooser, as a person clicking the "select a file" button would.
 */
async function openLocalFile(page, file, timeout, expectedTitle = path.basename(file)) {
  const welcomeButton = page.getByRole("dialog").getByRole("button", { name: UI.openLocalFile, exact: true });
  // The welcome dialog shows at once in a fresh profile; give it a few seconds, not the full timeout.
  try {
    await welcomeButton.waitFor({ state: "visible", timeout: Math.min(timeout, 15000) });
    await welcomeButton.click();
  } catch {
    await page.getByRole("button", { name: UI.workspace }).first().click();
    await page.getByRole("button", { name: UI.openMenuItem, exact: true }).filter({ visible: true }).click();
  }
  const dialog = page.getByRole("dialog");
  const dropzone = dialog.locator(".dropzone");
  await dropzone.waitFor({ state: "visible", timeout });
  const [chooser] = await Promise.all([
    page.waitForEvent("filechooser", { timeout }),
    // The visible "select a file" button (the hidden <input type=file> is a button to ARIA too).
    dropzone.locator("button").first().click(),
  ]);
  await chooser.setFiles(file);
  // The dropzone shows the chosen file's name once React has taken it.
  await dropzone.getByText(path.basename(file), { exact: true }).waitFor({ state: "visible", timeout });
  await dialog.getByRole("button", { name: UI.open, exact: true }).click();

  // Success: the dialog closes and the tab is named after the file (a workspace: after its own
  // title). Failure: an error toast.
  const title = expectedTitle ? `Gephi Lite - ${expectedTitle}` : "Gephi Lite";
  const loaded = page
    .waitForFunction((t) => document.title === t && !document.querySelector(".modal.show"), title, { timeout })
    .then(() => null);
  const failed = page
    .locator(".toasts-container .toast .text-error")
    .first()
    .waitFor({ state: "attached", timeout })
    .then(async () => {
      const body = page.locator(".toasts-container .toast .toast-body").last();
      return `Gephi Lite says: ${(await body.innerText()).replace(/\s+/g, " ").trim()}`;
    });
  const error = await Promise.race([loaded, failed]);
  loaded.catch(() => {});
  failed.catch(() => {});
  return error;
}

/** Node and edge counts and the graph type, from the summary at the top of the left panel. */
async function readSummary(page) {
  const text = await page.locator(".graph-summary").first().innerText();
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const countAfter = (word) => {
    const i = lines.findIndex((l) => l.toLowerCase() === word.toLowerCase());
    return i >= 0 && i + 1 < lines.length ? Number(lines[i + 1].replace(/[^\d]/g, "")) : null;
  };
  return {
    nodes: countAfter(UI.nodes),
    edges: countAfter(UI.edges),
    graphType: lines[lines.length - 1],
  };
}

/** Open one entry of the left side menu (a section first when the entry is inside one). */
async function openSidePanel(page, section, entry) {
  const menu = page.locator(".panel-main");
  if (section) {
    const sub = menu.locator("li").getByRole("button", { name: entry, exact: true });
    if (!(await sub.isVisible())) await menu.getByRole("button", { name: section, exact: true }).click();
    await sub.click();
  } else {
    await menu.getByRole("button", { name: entry, exact: true }).click();
  }
  const panel = page.locator(".panel-expandable.deployed .panel-body").first();
  await panel.waitFor({ state: "visible" });
  return panel;
}

async function closeSidePanel(page) {
  const close = page.locator(".panel-expandable.deployed > .gl-btn-close");
  if (await close.count()) await close.first().click();
  await page.locator(".panel-expandable.deployed").waitFor({ state: "detached" });
}

/** The current value of one of Gephi Lite's drop-downs (react-select), and its icon. */
async function selectValue(page, selectId) {
  const value = page.locator(`[id="${selectId}"] .react-select__single-value`).first();
  if (!(await value.count())) return null;
  return { text: (await value.innerText()).trim(), icon: await iconKey(value) };
}

/** Every option of one of Gephi Lite's drop-downs, opened then closed again. */
async function selectOptions(page, selectId) {
  const control = page.locator(`[id="${selectId}"] .react-select__control`).first();
  await control.click();
  const options = page.locator(".react-select__menu .react-select__option");
  await options.first().waitFor({ state: "visible" });
  const out = [];
  for (const option of await options.all()) {
    out.push({ text: (await option.innerText()).trim(), icon: await iconKey(option) });
  }
  await page.keyboard.press("Escape");
  await page.locator(".react-select__menu").waitFor({ state: "detached" });
  return out;
}

/**
 * The data table: one column per attribute, its type shown as an icon. Each distinct icon is
 * named once by opening that column's "Modify column" dialog, which spells the type out.
 */
async function readDataTable(page, kind, iconTypes) {
  await page
    .locator(".menu-bar")
    .getByRole("button", { name: kind === "nodes" ? UI.nodes : UI.edges })
    .click();
  await page.waitForURL(new RegExp(`/data/${kind}$`));
  const header = page.locator("thead th");
  await header.first().waitFor({ state: "visible" });
  const fields = [];
  for (const th of await header.all()) {
    const title = th.locator(".column-title").first();
    if (!(await title.count())) continue;
    const icon = await iconKey(title);
    if (!icon) continue; // Gephi Lite's own columns (ID, Degree...) carry no type icon.
    fields.push({ th, name: (await title.innerText()).trim(), icon });
  }
  for (const field of fields) {
    if (iconTypes.has(field.icon)) continue;
    iconTypes.set(field.icon, await readTypeFromModifyDialog(page, field.th));
  }
  return fields.map(({ name, icon }) => ({ name, ...iconTypes.get(icon) }));
}

/** Open "Modify column" of one data-table column and read the type it shows, then cancel. */
async function readTypeFromModifyDialog(page, th) {
  await th.locator("button.btn.p-0:not(.small)").last().click();
  // A menu opened for an earlier column may still be fading out: take the newest visible one.
  await page
    .locator(".dropdown-menu.show")
    .getByRole("button", { name: UI.modifyColumn })
    .filter({ visible: true })
    .last()
    .click();
  const dialog = page.getByRole("dialog");
  const typeSelect = dialog.locator('[id$="-column-type"] .react-select__single-value');
  await typeSelect.waitFor({ state: "visible" });
  const type = (await typeSelect.innerText()).trim();
  const result = { type };
  const format = dialog.locator('[id$="-column-date-format"]');
  if (type === "date" && (await format.count())) result.format = await format.inputValue();
  const separator = dialog.locator('[id$="-column-separator"]');
  if (type === "keywords" && (await separator.count())) result.separator = await separator.inputValue();
  await dialog.locator(".modal-header button").first().click();
  await page.locator(".modal.show").waitFor({ state: "detached" });
  return result;
}

/** The Filters panel's "Add filter" dialog: which attributes it offers, and which it disables. */
async function readFilterChoices(page) {
  const panel = await openSidePanel(page, null, UI.filters);
  await panel.getByRole("button", { name: UI.addFilter }).first().click();
  const dialog = page.getByRole("dialog");
  await dialog.waitFor({ state: "visible" });
  const sections = await dialog.locator("section").all();
  const out = { nodes: [], edges: [] };
  // The dialog lists topology filters, then node attributes, then edge attributes, then scripts.
  const attributeSections = [];
  for (const section of sections) {
    const buttons = section.locator("button");
    const withIcons = [];
    for (const b of await buttons.all()) withIcons.push({ b, icon: await iconKey(b) });
    if (withIcons.some((x) => x.icon)) attributeSections.push(withIcons);
  }
  const kinds = ["nodes", "edges"];
  attributeSections.slice(0, 2).forEach((buttons, i) => {
    out[kinds[i]] = buttons;
  });
  for (const kind of kinds) {
    const list = [];
    for (const { b, icon } of out[kind]) {
      list.push({ name: (await b.innerText()).trim(), icon, usable: await b.isEnabled() });
    }
    out[kind] = list;
  }
  await dialog.locator(".modal-header button").first().click();
  await page.locator(".modal.show").waitFor({ state: "detached" });
  await closeSidePanel(page);
  return out;
}

/** What drives colour, size and labels, as the Appearance panels show it. */
async function readAppearance(page, iconTypes) {
  const typed = (v) => (v ? { name: v.text, type: iconTypes.get(v.icon)?.type ?? null } : null);
  const appearance = {};
  await openSidePanel(page, UI.appearance, UI.nodes);
  appearance.nodeColor = typed(await selectValue(page, "nodes-colorMode"));
  appearance.nodeSize = typed(await selectValue(page, "nodes-sizeMode"));
  await openSidePanel(page, UI.appearance, UI.edges);
  appearance.edgeColor = typed(await selectValue(page, "edges-colorMode"));
  appearance.edgeSize = typed(await selectValue(page, "edges-sizeMode"));
  appearance.edgesShown = await page.locator("#show-edges").isChecked();
  await openSidePanel(page, UI.appearance, UI.labels);
  appearance.nodeLabel = typed(await selectValue(page, "nodes-labelsMode"));
  appearance.edgeLabel = typed(await selectValue(page, "edges-labelsMode"));
  // The label choices list every attribute; the first choice is "no label".
  const nodeLabelChoices = await selectOptions(page, "nodes-labelsMode");
  const edgeLabelChoices = await selectOptions(page, "edges-labelsMode");
  appearance.edgeLabelsDrawn = !!appearance.edgeLabel && appearance.edgeLabel.name !== edgeLabelChoices[0]?.text;
  appearance.nodeLabelsDrawn = !!appearance.nodeLabel && appearance.nodeLabel.name !== nodeLabelChoices[0]?.text;
  appearance.labelChoices = {
    nodes: nodeLabelChoices.filter((o) => o.icon).map(typed),
    edges: edgeLabelChoices.filter((o) => o.icon).map(typed),
  };
  await closeSidePanel(page);
  return appearance;
}

/** Short remarks a reader of the table should not miss. */
function notesFor(result) {
  const notes = [];
  if (result.error) {
    // Gephi Lite logs the exception behind its error message to the console.
    const cause = result.consoleErrors[0]?.split("\n")[0];
    return [`not opened: ${result.error}${cause ? ` (console: ${cause})` : ""}`];
  }
  for (const kind of ["nodes", "edges"]) {
    const shown = new Map(result[`${kind}Attributes`].map((a) => [a.name, a]));
    const byId = [];
    const missing = [];
    for (const d of result.declared[kind]) {
      if (d.id !== d.title && shown.has(d.id)) byId.push(`${d.title ?? "?"} as "${d.id}"`);
      else if (d.title && shown.has(d.title)) continue;
      else if (!["x", "y", "r", "g", "b"].includes(d.title)) missing.push(d.title ?? d.id);
    }
    if (byId.length) notes.push(`${kind}: shown by id, not title: ${byId.join(", ")}`);
    if (missing.length) notes.push(`${kind}: declared but not shown: ${missing.join(", ")}`);
    const numeric = new Set(["integer", "long", "short", "byte", "float", "double", "int"]);
    const pairs = result.declared[kind].map((d) => ({ d, a: shown.get(d.title) ?? shown.get(d.id) }));
    const retyped = pairs
      .filter(({ d, a }) => a && numeric.has(d.type) && a.type !== "number")
      .map(({ d, a }) => `${a.name} (${d.type}) as ${a.type}`);
    if (retyped.length) notes.push(`${kind}: numbers read as: ${retyped.join(", ")}`);
    // A workspace declares Gephi Lite's own types: each must be shown as declared.
    const typed = pairs.filter(({ d, a }) => d.typed && a);
    const otherwise = typed.filter(({ d, a }) => a.type !== d.type).map(({ d, a }) => `${a.name} (${d.type}) as ${a.type}`);
    if (otherwise.length) notes.push(`${kind}: types not as declared: ${otherwise.join(", ")}`);
    else if (typed.length) notes.push(`${kind}: all ${typed.length} types as declared`);
  }
  // Gephi Lite sizes edges by "weight" only when it reads it as a number.
  const weight = result.edgesAttributes.find((x) => x.name === "weight");
  if (weight && weight.type !== "number") notes.push(`edge "weight" read as ${weight.type}`);
  const a = result.appearance;
  if (a) {
    notes.push(`edge labels ${a.edgeLabelsDrawn ? `drawn from "${a.edgeLabel.name}"` : "not drawn"}`);
    notes.push(`node size from "${a.nodeSize?.name}", colour from "${a.nodeColor?.name}"`);
  }
  if (result.nodesAttributes.some((x) => x.name === "z")) notes.push('"z" listed as a node attribute');
  const x = result.fileFacts;
  if (x && result.format === "gexf") {
    if (x.positions < result.nodes) notes.push(`${result.nodes - x.positions} node(s) without a position in the file`);
    if (x.positionsWithZ) notes.push(`${x.positionsWithZ} position(s) with z`);
    if (x.elementsWithStartOrEnd + x.spells > 0) {
      const time = [...result.nodesAttributes, ...result.edgesAttributes].filter((a) => /^(start|end)$/.test(a.name));
      notes.push(
        `${x.elementsWithStartOrEnd} start/end attribute(s), ${x.spells} spell(s) in the file; ` +
          (time.length ? `shown: ${time.map((a) => a.name).join(", ")}` : "no time attribute shown"),
      );
    }
  } else if (x && result.format === "gephi-lite") {
    if (x.positions < result.nodes) notes.push(`${result.nodes - x.positions} node(s) without a position in the file`);
  } else if (x && result.format === "graphml" && !x.positions) {
    notes.push("no x/y keys in the file");
  }
  if (result.consoleErrors.length) notes.push(`${result.consoleErrors.length} page error(s)`);
  return notes;
}

/** Open one file in a fresh browser profile and read everything back. */
async function checkFile(opts, file, iconTypes) {
  const base = path.basename(file);
  const result = {
    file,
    format: path.extname(file).slice(1).toLowerCase(),
    nodes: null,
    edges: null,
    graphType: null,
    nodesAttributes: [],
    edgesAttributes: [],
    appearance: null,
    filterChoices: null,
    declared: { nodes: [], edges: [] },
    fileFacts: null,
    graphSettled: null,
    screenshots: {},
    consoleErrors: [],
    error: null,
    notes: [],
  };

  let text;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    result.error = `cannot read: ${e.code || e.message}`;
    result.notes = notesFor(result);
    return result;
  }
  const format = (result.format = formatOf(file, text));
  result.declared = declaredAttributes(text, format);
  result.fileFacts = fileFacts(text, format, result.declared);

  const profile = await mkdtemp(path.join(tmpdir(), "gephi-lite-check-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: opts.chromiumPath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: VIEWPORT,
    deviceScaleFactor: 1,
    locale: "en-US",
    timezoneId: "UTC",
  });
  try {
    context.setDefaultTimeout(opts.timeout);
    // Only the served app may be reached: web fonts and trackers are refused, not waited for.
    await context.route(
      (url) => url.origin !== opts.origin,
      (route) => route.abort("blockedbyclient"),
    );
    const page = context.pages()[0] ?? (await context.newPage());
    page.on("pageerror", (e) => result.consoleErrors.push(String(e.message || e)));
    page.on("console", (m) => {
      if (m.type() === "error" && !/ERR_BLOCKED_BY_CLIENT|Failed to load resource/.test(m.text())) {
        result.consoleErrors.push(m.text());
      }
    });

    await page.goto(opts.url);
    // Gephi Lite titles the tab with the graph's title: the file's name, or a workspace's own.
    const title = format === "gephi-lite" ? (JSON.parse(text).graphDataset?.metadata?.title ?? "") : base;
    result.error = await openLocalFile(page, path.resolve(file), opts.timeout, title);
    if (result.error) {
      const shot = path.join(opts.outDir, `${base}.error.png`);
      await page.screenshot({ path: shot });
      result.screenshots.error = shot;
      return result;
    }
    await dismissToasts(page);
    Object.assign(result, await readSummary(page));

    // The graph view, once sigma has finished drawing and the camera has settled.
    const stage = page.locator("canvas.sigma-nodes").locator("xpath=..");
    await stage.waitFor({ state: "visible" });
    result.graphSettled = await waitForStillImage(page);
    result.screenshots.graph = path.join(opts.outDir, `${base}.graph.png`);
    await page.screenshot({ path: result.screenshots.graph });

    // The data view: attribute names and types, nodes then edges.
    await page.getByRole("link", { name: UI.data, exact: true }).click();
    for (const kind of ["nodes", "edges"]) {
      result[`${kind}Attributes`] = await readDataTable(page, kind, iconTypes);
      result.screenshots[`data-${kind}`] = path.join(opts.outDir, `${base}.data-${kind}.png`);
      await screenshotWholeTable(page, result.screenshots[`data-${kind}`]);
    }
    await page.getByRole("link", { name: UI.graph, exact: true }).click();
    await stage.waitFor({ state: "visible" });

    result.appearance = await readAppearance(page, iconTypes);
    const filters = await readFilterChoices(page);
    // Attribute filters only: the "missing values" filter carries no type icon.
    const typed = (list) =>
      list
        .filter((f) => iconTypes.has(f.icon))
        .map((f) => ({ name: f.name, type: iconTypes.get(f.icon).type, usable: f.usable }));
    result.filterChoices = { nodes: typed(filters.nodes), edges: typed(filters.edges) };
  } catch (e) {
    result.error = `driver: ${String(e.message || e).split("\n")[0]}`;
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
    result.notes = notesFor(result);
  }
  return result;
}

/** One Markdown table: file, format, counts, attributes with types, notes. */
function markdownTable(results) {
  const cell = (s) => String(s ?? "").replace(/\|/g, "\\|");
  const attrs = (list) => list.map((a) => `${a.name}:${a.type ?? "?"}${a.format ? `(${a.format})` : ""}`).join(", ");
  const rows = [
    "| file | format | nodes | edges | node attributes (type) | edge attributes (type) | notes |",
    "| --- | --- | ---: | ---: | --- | --- | --- |",
  ];
  for (const r of results) {
    rows.push(
      `| ${[
        path.basename(r.file),
        r.format,
        r.nodes,
        r.edges,
        attrs(r.nodesAttributes),
        attrs(r.edgesAttributes),
        r.notes.join("; "),
      ]
        .map(cell)
        .join(" | ")} |`,
    );
  }
  return rows.join("\n");
}

async function main() {
  const opts = parseCli(process.argv.slice(2));
  let server = null;
  let tempWorkDir = null;
  const results = [];
  try {
    let buildDir = opts.serveDir;
    if (opts.sourceDir) {
      await checkSource(opts.sourceDir);
      let workDir = opts.workDir;
      if (workDir) await mkdir(workDir, { recursive: true });
      else workDir = tempWorkDir = await mkdtemp(path.join(tmpdir(), "gephi-lite-build-"));
      buildDir = await buildGephiLite(opts.sourceDir, workDir);
      process.stderr.write(`gephi-lite-check: built ${buildDir}\n`);
    }
    if (buildDir) {
      const served = await serveBuild(buildDir);
      server = served.server;
      opts.url = served.url.href;
      opts.origin = served.url.origin;
    }
    await mkdir(opts.outDir, { recursive: true });
    const iconTypes = new Map(); // icon key -> {type, format?}, learnt once per run
    for (const file of opts.files) {
      process.stderr.write(`gephi-lite-check: ${file}\n`);
      results.push(await checkFile(opts, file, iconTypes));
    }
  } finally {
    if (server) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    if (tempWorkDir) await rm(tempWorkDir, { recursive: true, force: true });
  }
  const report = {
    gephiLite: opts.url,
    built: opts.sourceDir ? path.resolve(opts.sourceDir) : null,
    chromium: opts.chromiumPath,
    results,
  };
  await mkdir(path.dirname(opts.jsonPath), { recursive: true });
  await writeFile(opts.jsonPath, JSON.stringify(report, null, 2) + "\n");
  console.log(markdownTable(results));
  process.exitCode = results.some((r) => r.error) ? 1 : 0;
}

main().catch((e) => {
  console.error(`gephi-lite-check: error: ${e.message || e}`);
  process.exit(1);
});
