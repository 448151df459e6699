import { Alert, Anchor, Breadcrumbs, Button, Group, Menu, NativeSelect, Pagination, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useT } from '../i18n/i18n';
import { MetaModal } from './meta-modal';
import { StatusCell } from './status-cell';
import { UploadPanel } from './upload-panel';
import { type DocInfo, ProcessStatus, useDocumentMutations, useDocumentPage } from './documents.queries';
import { ConsoleModal } from '../shell/console-modal';

const PAGE_SIZE = 50;
const DOC_TYPES = ['', 'md', 'txt', 'pdf', 'docx', 'html', 'csv', 'json', 'epub', 'eml', 'msg', 'rtf'];
const OFFICE_DOC_TYPES = ['xlsx', 'xls', 'ods', 'pptx', 'odp', 'ppt', 'odt', 'doc'];

export default function DocumentsPage() {
  const t = useT();
  const collection = useParams().collection as string;
  const [page, setPage] = useState(1);
  const [docType, setDocType] = useState('');
  // ?doc_id= opens the page filtered to one document (the operations page links failures so).
  const [search] = useSearchParams();
  const [docIdInput, setDocIdInput] = useState(() => search.get('doc_id') ?? '');
  const [docId] = useDebouncedValue(docIdInput.trim(), 300);
  const documents = useDocumentPage(collection, { offset: (page - 1) * PAGE_SIZE, limit: PAGE_SIZE, docType, docId });
  const { remove, retry } = useDocumentMutations(collection);
  const [metaDoc, setMetaDoc] = useState<DocInfo>();
  const [replacing, setReplacing] = useState<DocInfo>();
  const total = documents.data?.total_num ?? 0;

  return (
    <Stack>
      <Breadcrumbs>
        <Anchor component={Link} to="/collections">
          {t('nav.collections')}
        </Anchor>
        <Text>{collection}</Text>
      </Breadcrumbs>
      <Group justify="space-between">
        <Title order={1} size="h2">
          {t('documents.title', { collection })}
        </Title>
        <Button variant="light" component={Link} to={`/retrieval?collection=${encodeURIComponent(collection)}`}>
          {t('nav.retrieval')}
        </Button>
      </Group>
      <UploadPanel collection={collection} />
      <Group align="end">
        <TextInput label={t('documents.filterDocId')} value={docIdInput} onChange={(e) => (setDocIdInput(e.currentTarget.value), setPage(1))} />
        <NativeSelect
          label={t('documents.filterType')}
          data={[...DOC_TYPES, ...OFFICE_DOC_TYPES].map((value) => ({ value, label: value || t('documents.allTypes') }))}
          value={docType}
          onChange={(e) => (setDocType(e.currentTarget.value), setPage(1))}
        />
        <Text size="sm" c="dimmed" data-testid="doc-total">
          {t('documents.total', { count: total })}
        </Text>
      </Group>
      {documents.error && <Alert color="red">{documents.error.message}</Alert>}
      {(remove.error ?? retry.error) && <Alert color="red">{(remove.error ?? retry.error)?.message}</Alert>}
      <Table.ScrollContainer minWidth={760}>
        <Table striped highlightOnHover verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('documents.name')}</Table.Th>
              <Table.Th>{t('documents.type')}</Table.Th>
              <Table.Th>{t('documents.status')}</Table.Th>
              <Table.Th ta="right">{t('documents.points')}</Table.Th>
              <Table.Th>{t('documents.updated')}</Table.Th>
              <Table.Th>{t('common.actions')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {documents.data?.doc_list.map((doc) => (
              <Table.Tr key={doc.doc_id} data-testid="doc-row" data-doc-id={doc.doc_id}>
                <Table.Td>
                  <Anchor component={Link} to={`/collections/${encodeURIComponent(collection)}/documents/${encodeURIComponent(doc.doc_id)}`}>
                    {doc.doc_name}
                  </Anchor>
                  <Text size="xs" c="dimmed" ff="monospace">
                    {doc.doc_id}
                  </Text>
                </Table.Td>
                <Table.Td>{doc.doc_type}</Table.Td>
                <Table.Td>
                  <StatusCell doc={doc} />
                </Table.Td>
                <Table.Td ta="right">{doc.point_num}</Table.Td>
                <Table.Td>
                  <Text size="xs">{new Date(doc.update_time).toLocaleString()}</Text>
                </Table.Td>
                <Table.Td>
                  <Menu position="bottom-end" withinPortal>
                    <Menu.Target>
                      <Button size="xs" variant="default" aria-label={t('documents.actionsFor', { name: doc.doc_name })}>
                        {t('common.actions')}
                      </Button>
                    </Menu.Target>
                    <Menu.Dropdown>
                      <Menu.Item component={Link} to={`/collections/${encodeURIComponent(collection)}/documents/${encodeURIComponent(doc.doc_id)}`}>
                        {t('documents.chunks')}
                      </Menu.Item>
                      {doc.status.process_status === ProcessStatus.Failed && <Menu.Item onClick={() => retry.mutate(doc.doc_id)}>{t('documents.retry')}</Menu.Item>}
                      <Menu.Item onClick={() => setReplacing(doc)}>{t('documents.replace')}</Menu.Item>
                      <Menu.Item onClick={() => setMetaDoc(doc)}>{t('documents.editMetaShort')}</Menu.Item>
                      <Menu.Item color="red.9" onClick={() => window.confirm(t('documents.confirmDelete', { name: doc.doc_name })) && remove.mutate(doc.doc_id)}>
                        {t('common.delete')}
                      </Menu.Item>
                    </Menu.Dropdown>
                  </Menu>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {documents.isSuccess && total === 0 && <Text c="dimmed">{t('documents.empty')}</Text>}
      {total > PAGE_SIZE && <Pagination total={Math.ceil(total / PAGE_SIZE)} value={page} onChange={setPage} getControlProps={(control) => ({ 'aria-label': t(`pagination.${control}`) })} />}
      <MetaModal collection={collection} doc={metaDoc} onClose={() => setMetaDoc(undefined)} />
      <ConsoleModal opened={replacing !== undefined} onClose={() => setReplacing(undefined)} title={t('documents.replaceTitle', { name: replacing?.doc_name ?? '' })}>
        {replacing && <UploadPanel collection={collection} replaceDocId={replacing.doc_id} onDone={() => setReplacing(undefined)} />}
      </ConsoleModal>
    </Stack>
  );
}
