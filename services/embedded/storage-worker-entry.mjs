// Worker threads do not inherit the TypeScript loader of the main thread: register tsx here, then load the worker.
import { register } from 'tsx/esm/api';

register();
await import('./storage-worker.ts');
