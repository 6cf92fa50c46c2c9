// Building the page's elements. Everything the lab sends (names, event data, fault parameters, error
// messages) becomes text through textContent, never markup: no innerHTML with data anywhere.
const SVG = 'http://www.w3.org/2000/svg';

/** An element with attributes (strings; `class`, `data-*`, on* never) and children (nodes or text). */
export function h(tag, attrs = {}, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

/** The same for SVG elements. */
export function s(tag, attrs = {}, ...children) {
  return fill(document.createElementNS(SVG, tag), attrs, children);
}

function fill(el, attrs, children) {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) throw new Error(`no event handlers as attributes (${name})`);
    el.setAttribute(name, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replaces an element's children. */
export function replace(el, ...children) {
  el.replaceChildren(...children.flat(Infinity).filter((c) => c !== undefined && c !== null && c !== false).map((c) => (c instanceof Node ? c : document.createTextNode(String(c)))));
  return el;
}

export const $ = (selector, root = document) => root.querySelector(selector);

/** 75 → "1:15"; for times within a run. */
export function clock(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const m = Math.floor(total / 60);
  return `${m}:${String(total % 60).padStart(2, '0')}`;
}

/** A wall-clock time of day, 14:03:27. */
export const timeOfDay = (t) => new Date(t).toLocaleTimeString([], { hour12: false });

/** A value for a person: short, whatever its type. */
export function brief(value, max = 120) {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
