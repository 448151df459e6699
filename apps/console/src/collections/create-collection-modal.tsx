import { ActionIcon, Alert, Button, Checkbox, Group, NativeSelect, NumberInput, Stack, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useT } from '../i18n/i18n';
import { type CreateCollectionBody, useCreateCollection } from './collections.queries';
import { ConsoleModal } from '../shell/console-modal';

type Field = NonNullable<NonNullable<NonNullable<CreateCollectionBody['index']>['index_config']>['fields']>[number];
const FIELD_TYPES: Field['field_type'][] = ['string', 'int64', 'float32', 'bool', 'list<string>', 'list<int64>'];

export function CreateCollectionModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const t = useT();
  const create = useCreateCollection();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [chunkLength, setChunkLength] = useState<number>(500);
  const [mergeSmall, setMergeSmall] = useState(true);
  const [embeddingModel, setEmbeddingModel] = useState('');
  const [fields, setFields] = useState<Field[]>([]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(
      {
        name,
        description,
        preprocessing: { chunk_length: chunkLength, merge_small_chunks: mergeSmall },
        index: { index_config: { fields: fields.filter((f) => f.field_name), ...(embeddingModel ? { embedding_model: embeddingModel } : {}) } },
      },
      {
        onSuccess: () => {
          setName('');
          setDescription('');
          setFields([]);
          onClose();
        },
      },
    );
  };

  return (
    <ConsoleModal opened={opened} onClose={onClose} title={t('collections.create')} size="lg">
      <form onSubmit={submit}>
        <Stack>
          <TextInput label={t('collections.name')} description={t('collections.nameRule')} value={name} onChange={(e) => setName(e.currentTarget.value)} required data-autofocus />
          <TextInput label={t('collections.description')} value={description} onChange={(e) => setDescription(e.currentTarget.value)} />
          <Group grow>
            <NumberInput label={t('collections.chunkLength')} min={50} max={8000} value={chunkLength} onChange={(v) => setChunkLength(Number(v) || 500)} />
            <TextInput label={t('collections.embeddingModel')} placeholder={t('collections.embeddingDefault')} value={embeddingModel} onChange={(e) => setEmbeddingModel(e.currentTarget.value)} />
          </Group>
          <Checkbox label={t('collections.mergeSmall')} checked={mergeSmall} onChange={(e) => setMergeSmall(e.currentTarget.checked)} />
          <Text size="sm" fw={500}>
            {t('collections.fields')}
          </Text>
          {fields.map((field, index) => (
            <Group key={index} wrap="nowrap" align="end">
              <TextInput
                label={t('collections.fieldName')}
                value={field.field_name}
                onChange={(e) => {
                  const value = e.currentTarget.value;
                  setFields((all) => all.map((f, i) => (i === index ? { ...f, field_name: value } : f)));
                }}
              />
              <NativeSelect
                label={t('collections.fieldType')}
                data={FIELD_TYPES}
                value={field.field_type}
                onChange={(e) => {
                  const value = e.currentTarget.value as Field['field_type'];
                  setFields((all) => all.map((f, i) => (i === index ? { ...f, field_type: value } : f)));
                }}
              />
              <ActionIcon variant="subtle" color="red.9" size="lg" aria-label={t('common.remove')} onClick={() => setFields((all) => all.filter((_, i) => i !== index))}>
                ×
              </ActionIcon>
            </Group>
          ))}
          <Button variant="light" onClick={() => setFields((all) => [...all, { field_name: '', field_type: 'string' }])}>
            {t('collections.addField')}
          </Button>
          {create.error && <Alert color="red">{create.error.message}</Alert>}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" loading={create.isPending}>
              {t('common.create')}
            </Button>
          </Group>
        </Stack>
      </form>
    </ConsoleModal>
  );
}
