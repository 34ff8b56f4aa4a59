import { runService } from '../../shared/runtime/run-service.ts';
import { startEmbeddedPipeline } from './embedded-pipeline.ts';

// `npm start`: the whole pipeline in one process on the embedded adapters.
await runService('roadpulse', startEmbeddedPipeline);
