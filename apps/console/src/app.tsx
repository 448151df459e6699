import { lazy, Suspense } from 'react';
import { createHashRouter, Navigate, RouterProvider } from 'react-router';
import { ApiError } from './api/client';
import { useSession } from './auth/session';
import { SignInPage } from './auth/sign-in-page';
import { PageLoader } from './shell/page-loader';
import { Shell } from './shell/shell';
import { CollectionsPage } from './collections/collections-page';

// The first page loads with the shell; the others are fetched when opened.
const DocumentsPage = lazy(() => import('./documents/documents-page'));
const ChunksPage = lazy(() => import('./chunks/chunks-page'));
const RetrievalPage = lazy(() => import('./retrieval/retrieval-page'));
const ChatPage = lazy(() => import('./chat/chat-page'));
const BotsPage = lazy(() => import('./bots/bots-page'));
const KeysPage = lazy(() => import('./keys/keys-page'));
const OperationsPage = lazy(() => import('./operations/operations-page'));

const router = createHashRouter([
  {
    element: <Shell />,
    children: [
      { index: true, element: <Navigate to="/collections" replace /> },
      { path: 'collections', element: <CollectionsPage /> },
      { path: 'collections/:collection', element: <DocumentsPage /> },
      { path: 'collections/:collection/documents/:docId', element: <ChunksPage /> },
      { path: 'retrieval', element: <RetrievalPage /> },
      { path: 'chat', element: <ChatPage /> },
      { path: 'bots', element: <BotsPage /> },
      { path: 'keys', element: <KeysPage /> },
      { path: 'operations', element: <OperationsPage /> },
      { path: '*', element: <Navigate to="/collections" replace /> },
    ],
  },
]);

export function App() {
  const session = useSession();
  if (session.isPending) return <PageLoader />;
  if (session.error instanceof ApiError && session.error.status === 401) return <SignInPage />;
  if (session.error) return <SignInPage />;
  return (
    <Suspense fallback={<PageLoader />}>
      <RouterProvider router={router} />
    </Suspense>
  );
}
