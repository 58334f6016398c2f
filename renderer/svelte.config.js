// Svelte compiles TypeScript in <script lang="ts"> natively (type syntax only),
// so no preprocessor is needed. Read by vite-plugin-svelte and svelte-check.
export default {
  compilerOptions: { runes: true },
};
