import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { detectHost, provideHost } from './host';

const app = createApp(App);
provideHost(app, detectHost());
app.use(createPinia());
app.mount('#app');
