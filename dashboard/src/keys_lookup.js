// Every key (all pages of /api/v1/keys), for the pages that name keys by hash.
import { getJson, query } from './api.js';

export const KEYS_PAGE = 100;  // /api/v1/keys answers 100 keys a page

export async function keysPage(offset) {
  const { body } = await getJson(`/api/v1/keys${query({ include_disabled: 'true', offset })}`);
  return body.data;
}

export async function allKeys() {
  const keys = [];
  for (let offset = 0; ; offset += KEYS_PAGE) {
    const page = await keysPage(offset);
    keys.push(...page);
    if (page.length < KEYS_PAGE) return keys;
  }
}

// hash -> name, for labelling rows; unknown hashes (deleted keys) show shortened.
export async function keyNames() {
  return new Map((await allKeys()).map((k) => [k.hash, k.name || k.label]));
}
