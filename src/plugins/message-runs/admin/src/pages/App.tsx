import { Page } from '@strapi/strapi/admin';
import { Route, Routes } from 'react-router-dom';
import { PERMISSIONS } from '../../../shared/constants';
import { RunPage } from './RunPage';
import { RunsPage } from './RunsPage';

export const App = () => (
  <Page.Protect permissions={PERMISSIONS.read}>
    <Routes>
      <Route index element={<RunsPage />} />
      <Route path="runs/:documentId" element={<RunPage />} />
      <Route path="*" element={<Page.Error />} />
    </Routes>
  </Page.Protect>
);
