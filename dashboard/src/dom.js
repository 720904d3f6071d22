// Building DOM nodes from data. Text always goes in through textContent, never innerHTML:
// app names, key names and error messages come from clients and must not become markup.

// h('td', {class: 'num', onclick: f, dataset: {id: 1}}, child, 'text', [more children])
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) setAttribute(el, name, value);
  append(el, children);
  return el;
}

function setAttribute(el, name, value) {
  if (value === undefined || value === null || value === false) return;
  if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
  else if (name === 'dataset') Object.assign(el.dataset, value);
  else if (name === 'class') el.className = value;
  else el.setAttribute(name, value === true ? '' : String(value));
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}
