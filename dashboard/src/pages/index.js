// The dashboard's pages, in the order of the navigation: one place for the list.
import * as audit from './audit.js';
import * as generations from './generations.js';
import * as keys from './keys.js';
import * as overview from './overview.js';
import * as pricing from './pricing.js';
import * as providers from './providers.js';

export const pages = [
  { id: 'overview', title: 'Overview', blurb: 'Spend, tokens and requests per day, and who uses the most', module: overview },
  { id: 'providers', title: 'Providers', blurb: 'Health, latency and throughput of every endpoint', module: providers },
  { id: 'keys', title: 'Keys', blurb: 'Usage against limits, reset periods and rate limits', module: keys },
  { id: 'generations', title: 'Generations', blurb: 'Recent requests with every attempt made for them', module: generations },
  { id: 'pricing', title: 'Pricing', blurb: 'Prices in force and their history', module: pricing },
  { id: 'audit', title: 'Audit log', blurb: 'Every change made through the admin API', module: audit },
];

export const pageById = (id) => pages.find((p) => p.id === id) ?? pages[0];
