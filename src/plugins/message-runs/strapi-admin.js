// The app's Vite build compiles the admin TypeScript straight from source.
export { default } from './admin/src';
