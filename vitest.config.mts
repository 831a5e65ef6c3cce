import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{libs,services,infra,tools}/**/*.{test,spec}.ts'],
    exclude: ['**/node_modules/**', 'dist/**'],
    globalSetup: ['./vitest.global-setup.mts'],

    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
