/**
 * Runs the order saga demo: `node dist/examples/order-saga/main.js` after `npm install`,
 * or `npx rewind demo`, which runs the same thing.
 */
import { runOrderDemo } from './demo.js';

await runOrderDemo({ store: process.argv[2] ?? 'sqlite:./rewind-demo.db', fail: true, print: (line) => console.log(line) });
