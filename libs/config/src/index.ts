export * from './app-config';
export * from './config.module';
export * from './onnx-model-dir';
