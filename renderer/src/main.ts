import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { detectHost, provideHost } from './host';
import { startTheme } from './util/theme';
import './styles/base.css';
import './styles/view.css';

// The host first: in web mode it takes the token out of the URL before the app reads the hash.
const host = detectHost();
const app = createApp(App);
provideHost(app, host);
app.use(createPinia());
startTheme();
app.mount('#app');
