import type { paths } from './schema';
import { CONSOLE_HEADERS, errorMessage } from './client';

const UPLOAD_PATH = '/api/knowledge/doc/upload' satisfies keyof paths;
type UploadFields = Omit<paths[typeof UPLOAD_PATH]['post']['requestBody']['content']['multipart/form-data'], 'file'>;
type UploadAnswer = paths[typeof UPLOAD_PATH]['post']['responses']['200']['content']['application/json']['data'];

/**
 * doc/upload through XMLHttpRequest: fetch() cannot report upload progress, and a person uploading
 * many files wants to see each one move.
 */
export function uploadDocument(file: File, fields: UploadFields, onProgress: (fraction: number) => void): Promise<UploadAnswer> {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) if (value !== undefined && value !== null) form.append(name, String(value));
    form.append('file', file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', UPLOAD_PATH);
    for (const [name, value] of Object.entries(CONSOLE_HEADERS)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => event.lengthComputable && onProgress(event.loaded / event.total);
    xhr.onerror = () => reject(new Error('network error'));
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = undefined;
      }
      if (xhr.status === 200) resolve((body as { data: UploadAnswer }).data);
      else reject(errorMessage(body, xhr.status));
    };
    xhr.send(form);
  });
}
