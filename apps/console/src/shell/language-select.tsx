import { NativeSelect } from '@mantine/core';
import { LOCALES, useI18n, type Locale } from '../i18n/i18n';

export function LanguageSelect() {
  const { locale, setLocale, t } = useI18n();
  return (
    <NativeSelect
      aria-label={t('shell.language')}
      size="xs"
      data={LOCALES}
      value={locale}
      onChange={(e) => setLocale(e.currentTarget.value as Locale)}
    />
  );
}
