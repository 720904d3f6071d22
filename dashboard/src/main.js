// Entry point: sign-in when there is no good key in this tab, the dashboard otherwise.
import { session } from './api.js';
import { clear } from './dom.js';
import { shellView } from './shell.js';
import { checkKey, signInView } from './signin.js';

const root = document.getElementById('app');
let shell = null;

function showSignIn(message) {
  shell?.stop();
  shell = null;
  session.signOut();
  clear(root).append(signInView(start, message));
  root.querySelector('input')?.focus();
}

async function start() {
  const key = session.key();
  if (!key) return showSignIn();
  const check = await checkKey(key);
  if (check.error) return showSignIn(check.error);
  shell = shellView({ who: check.name, onSignOut: () => showSignIn(), onAuthError: showSignIn });
  clear(root).append(shell.el);
  if (!location.hash) history.replaceState(null, '', '#/overview');
  await shell.render();
}

start().catch((e) => showSignIn(e.message));
