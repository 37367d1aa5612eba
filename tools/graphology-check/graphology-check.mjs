#!/usr/bin/env node
// Parse graph files with the graphology readers that Gephi Lite uses, and print, per file, the
// attribute names and JavaScript types they produce, as JSON.
//
// Usage: node graphology-check.mjs [--values] FILE...   (.gexf, .graphml, or graphology .json)
//        --values: also list every value of every attribute (what a type guess needs)
//
// Gephi Lite names every attribute after the key graphology gives it and guesses a type from the
// values; this prints those keys and values' facts (JS types, distinct count, 0/1 only, ...) next
// to what the file declared, so a wrong name or a misleading value shows without a browser.
// Exit status: 0 when every file parsed, 1 when one did not, 2 on a usage error.

import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

import { DOMParser } from "@xmldom/xmldom";
import Graph from "graphology";
import gexf from "graphology-gexf";
import graphml from "graphology-graphml";

// The options Gephi Lite passes to these readers when it opens a local file.
const GEXF_OPTIONS = { allowUndeclaredAttributes: true, addMissingNodes: true };
const GRAPHML_OPTIONS = { addMissingNodes: true };

// Keys Gephi Lite takes as the node position rather than as data.
const POSITION_KEYS = new Set(["x", "y"]);

/** Parse one file the way Gephi Lite does; returns a graphology graph. */
function parseGraph(text, format) {
  switch (format) {
    case "gexf":
      return gexf.parse(Graph, text, GEXF_OPTIONS);
    case "graphml":
      return graphml.parse(Graph, text, GRAPHML_OPTIONS);
    case "json":
      return Graph.from(JSON.parse(text));
    default:
      throw new Error(`unknown extension .${format} (expected .gexf, .graphml or .json)`);
  }
}

/** The attributes a GEXF or GraphML file declares for nodes and edges: id, title, type. */
function declaredAttributes(text, format) {
  const declared = { nodes: [], edges: [] };
  if (format !== "gexf" && format !== "graphml") return declared;
  const doc = new DOMParser({ errorHandler: () => {} }).parseFromString(text, "application/xml");
  if (format === "gexf") {
    for (const block of Array.from(doc.getElementsByTagName("attributes"))) {
      const cls = block.getAttribute("class");
      const kind = cls === "node" ? "nodes" : cls === "edge" ? "edges" : null;
      if (!kind) continue;
      for (const a of Array.from(block.getElementsByTagName("attribute"))) {
        declared[kind].push({
          id: a.getAttribute("id"),
          title: a.getAttribute("title") || null,
          type: a.getAttribute("type") || "string",
        });
      }
    }
  } else {
    for (const k of Array.from(doc.getElementsByTagName("key"))) {
      const kind = { node: "nodes", edge: "edges" }[k.getAttribute("for")];
      if (!kind) continue;
      declared[kind].push({
        id: k.getAttribute("id"),
        title: k.getAttribute("attr.name") || null,
        type: k.getAttribute("attr.type") || "string",
      });
    }
  }
  return declared;
}

/** Time in a GEXF file, which graphology-gexf drops, and z positions, which it keeps as a "z" key. */
function gexfConstructs(text) {
  const doc = new DOMParser({ errorHandler: () => {} }).parseFromString(text, "application/xml");
  const count = {
    startOrEnd: 0,
    spells: doc.getElementsByTagName("spell").length,
    // attvalues valid over a time span: graphology keeps the last one of each attribute, span dropped
    timedAttvalues: 0,
  };
  let positionsWithZ = 0;
  for (const tag of ["node", "edge"]) {
    for (const el of Array.from(doc.getElementsByTagName(tag))) {
      if (el.hasAttribute("start") || el.hasAttribute("end")) count.startOrEnd++;
    }
  }
  for (const el of Array.from(doc.getElementsByTagName("attvalue"))) {
    if (el.hasAttribute("start") || el.hasAttribute("end")) count.timedAttvalues++;
  }
  for (const el of Array.from(doc.getElementsByTagName("viz:position"))) {
    if (el.hasAttribute("z")) positionsWithZ++;
  }
  return { notRead: count, positionsWithZ };
}

let WITH_VALUES = false;

/** Facts about the values of one attribute that decide how a reader of them will type it. */
function describeValues(values, itemCount) {
  const jsTypes = {};
  for (const v of values) {
    const t = Array.isArray(v) ? "array" : v === null ? "null" : typeof v;
    jsTypes[t] = (jsTypes[t] || 0) + 1;
  }
  const distinct = new Set(values.map((v) => (typeof v === "object" ? JSON.stringify(v) : v)));
  const numbers = values.filter((v) => typeof v === "number");
  const facts = {
    jsTypes,
    present: values.length,
    missing: itemCount - values.length,
    distinct: distinct.size,
    sample: Array.from(distinct).slice(0, 3),
  };
  if (numbers.length === values.length && numbers.length) {
    facts.min = Math.min(...numbers);
    facts.max = Math.max(...numbers);
    facts.integers = numbers.every(Number.isInteger);
  }
  // Gephi Lite reads a column whose values are all 0/1 (or true/false) as a boolean.
  facts.onlyZeroOne = values.length > 0 && values.every((v) => [0, 1, true, false, "0", "1"].includes(v));
  if (WITH_VALUES) facts.values = values;
  return facts;
}

/** Every attribute key graphology put on nodes (or edges), with its values' facts and declaration. */
function attributeReport(items, itemCount, declared, skip) {
  const values = new Map();
  for (const attrs of items) {
    for (const [key, value] of Object.entries(attrs)) {
      if (skip.has(key)) continue;
      if (!values.has(key)) values.set(key, []);
      values.get(key).push(value);
    }
  }
  return Array.from(values, ([name, vals]) => {
    // Which declaration this key came from: by its title (as it should) or by its raw id.
    const byTitle = declared.find((d) => d.title === name);
    const byId = declared.find((d) => d.id === name && d.title !== name);
    const declaration = byTitle ?? byId ?? null;
    return {
      name,
      ...describeValues(vals, itemCount),
      declared: declaration,
      namedBy: byTitle ? "title" : byId ? "id" : "reader",
    };
  });
}

async function checkFile(file) {
  const format = path.extname(file).slice(1).toLowerCase();
  const text = await readFile(file, "utf8");
  const report = { file, format };
  let graph;
  try {
    graph = parseGraph(text, format);
  } catch (e) {
    return { ...report, error: String(e.message || e) };
  }
  const declared = declaredAttributes(text, format);
  const nodeAttrs = graph.mapNodes((_, a) => a);
  const edgeAttrs = graph.mapEdges((_, a) => a);
  const positioned = nodeAttrs.filter((a) => typeof a.x === "number" && typeof a.y === "number").length;
  const nodeAttributes = attributeReport(nodeAttrs, graph.order, declared.nodes, POSITION_KEYS);
  const edgeAttributes = attributeReport(edgeAttrs, graph.size, declared.edges, new Set());
  // At a glance: each key and the JS type(s) of its values, e.g. {"n0": "string", "size": "number"}.
  const types = (attrs) => Object.fromEntries(attrs.map((a) => [a.name, Object.keys(a.jsTypes).join("|")]));
  return {
    ...report,
    graph: { type: graph.type, multi: graph.multi, nodes: graph.order, edges: graph.size },
    types: { nodes: types(nodeAttributes), edges: types(edgeAttributes) },
    graphAttributes: Object.keys(graph.getAttributes()),
    nodesWithPosition: positioned,
    nodeAttributes,
    edgeAttributes,
    declaredNotRead: {
      nodes: unread(declared.nodes, nodeAttrs),
      edges: unread(declared.edges, edgeAttrs),
    },
    ...(format === "gexf" ? gexfConstructs(text) : {}),
  };
}

/**
 * Declared attributes whose values reached no item under either their title or their id.
 * GraphML r, g, b are not lost when graphology-graphml merged them into "color".
 */
function unread(declared, items) {
  const keys = new Set(items.flatMap((a) => Object.keys(a)));
  const merged = keys.has("color") ? new Set(["r", "g", "b"]) : new Set();
  return declared
    .filter((d) => !keys.has(d.title) && !keys.has(d.id) && !merged.has(d.title))
    .map((d) => d.title ?? d.id);
}

async function main() {
  const args = process.argv.slice(2);
  WITH_VALUES = args.includes("--values");
  const files = args.filter((a) => a !== "--values");
  if (!files.length || files.includes("-h") || files.includes("--help")) {
    console.error("usage: node graphology-check.mjs [--values] FILE...   (.gexf, .graphml or graphology .json)");
    process.exit(files.length ? 0 : 2);
  }
  const reports = [];
  for (const file of files) reports.push(await checkFile(file));
  const versions = {};
  for (const name of ["graphology", "graphology-gexf", "graphology-graphml"]) {
    versions[name] = createRequire(import.meta.url)(`${name}/package.json`).version;
  }
  console.log(JSON.stringify({ readers: versions, files: reports }, null, 2));
  process.exitCode = reports.some((r) => r.error) ? 1 : 0;
}

main().catch((e) => {
  console.error(`graphology-check: error: ${e.message || e}`);
  process.exit(1);
});
