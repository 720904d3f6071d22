// Sign-in: the operator pastes a management key; it is checked against GET /api/v1/key
// before it is kept, so a wrong or ordinary key gets a clear message, never an empty page.
import { ApiError, getJson, session } from './api.js';
import { h } from './dom.js';

// {name} of a key that opens the dashboard, or {error}: why this one cannot.
export async function checkKey(key) {
  try {
    const { data } = (await getJson('/api/v1/key', key)).body;
    const name = data.name || data.label;
    if (!data.is_management_key)
      return { error: `"${name}" is an ordinary API key. The dashboard needs a management key (switchyard keys create --management).` };
    return { name };
  } catch (e) {
    return { error: e instanceof ApiError && e.status === 401 ? `This key was not accepted: ${e.message}` : e.message };
  }
}

export function signInView(onSignedIn, message) {
  const input = h('input', { type: 'password', id: 'key', name: 'key', autocomplete: 'off', spellcheck: 'false', placeholder: 'sk-sy-v1-…', required: true });
  const error = h('p', { class: 'error', id: 'signin-error', role: 'alert', hidden: !message }, message ?? '');
  const button = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h('form', { class: 'signin card', id: 'signin' },
    h('div', { class: 'brand' }, h('span', { class: 'logo' }), h('div', {}, h('strong', {}, 'Switchyard'), h('small', {}, 'Operator dashboard'))),
    h('label', { for: 'key' }, 'Management key'), input, error, button,
    h('p', { class: 'hint' }, 'Kept in this tab only (session storage) and sent as a Bearer header. Create one with ', h('code', {}, 'switchyard keys create --management'), '.'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    button.disabled = true;
    const key = input.value.trim();
    const check = await checkKey(key);
    button.disabled = false;
    if (check.error) {
      error.textContent = check.error;
      error.hidden = false;
      return;
    }
    session.signIn(key);
    onSignedIn();
  });
  return h('div', { class: 'signin-page' }, form);
}
