import { Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@fjord/config';
import { OcrEngine } from './ocr-engine';

/** The configured OcrEngine (OCR_ENGINE, OCR_LANGUAGES, OCR_CONCURRENCY, OCR_PAGE_TIMEOUT_MS); its threads stop with the app. */
@Module({
  providers: [{ provide: OcrEngine, inject: [APP_CONFIG], useFactory: (config: AppConfig) => new OcrEngine(config.ocr) }],
  exports: [OcrEngine],
})
export class OcrModule implements OnApplicationShutdown {
  constructor(private readonly ocr: OcrEngine) {}

  async onApplicationShutdown(): Promise<void> {
    await this.ocr.close();
  }
}
