import { createRequire } from 'node:module';

/**
 * The two methods wrapped, in the promise form aedes 1.x calls them (the package's own types still
 * describe the older callback form).
 */
interface StoredSubscriptions {
  addSubscriptions(...args: unknown[]): Promise<unknown>;
  subscriptionsByTopic(topic: string, ...rest: unknown[]): Promise<unknown[]>;
}

// Loaded as the CommonJS module it is: its types declare an ES default export (and the callback form).
const memoryPersistence = createRequire(import.meta.url)('aedes-persistence') as () => StoredSubscriptions;

/**
 * aedes's in-memory persistence, answering at once the question aedes asks it on every QoS 1 and 2
 * publish ("which offline sessions' subscriptions match this topic?") while no client has ever
 * stored a subscription. Only persistent sessions (clean=false) store them, and sensors publish
 * without subscribing, so the topic-trie walk usually finds nothing: qlobber's share of the ingest
 * thread fell from 4.2 to 2.3 % at full load without it. From the first stored subscription on,
 * every publish asks the trie. Sound as long as addSubscriptions is the only way into the trie:
 * true of aedes 1.x and of the persistence without options (its broadcastSubscriptions option, for
 * brokers sharing state, fills the trie too).
 */
export function brokerPersistence(): object {
  const persistence = memoryPersistence();
  const add = persistence.addSubscriptions.bind(persistence);
  const match = persistence.subscriptionsByTopic.bind(persistence);
  let anyStored = false;
  persistence.addSubscriptions = (...args) => {
    anyStored = true;
    return add(...args);
  };
  persistence.subscriptionsByTopic = (topic, ...rest) => (anyStored ? match(topic, ...rest) : Promise.resolve([]));
  return persistence;
}
