export * from './onnx-inference';
export * from './onnx-model-thread';
export * from './onnx-embedder';
export type { OnnxRunnerInfo, OnnxRunnerWorkerData } from './onnx-runner.protocol';
