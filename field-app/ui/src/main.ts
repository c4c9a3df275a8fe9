import { createApp } from 'vue'
import Vant from 'vant'
import 'vant/lib/index.css'
import './style.css'
import App from './App.vue'
import { router } from './router'
import { t } from './i18n'

createApp(App).use(Vant).use(router).mount('#app')

// Screen readers: a toast is a status message, not a dialog; every other pop-up dialog is named
// by its heading (vant leaves both unnamed), and the shade behind a pop-up by what a tap on it does.
new MutationObserver(() => {
  // A tap on the shade closes the pop-up: say so.
  for (const el of document.querySelectorAll<HTMLElement>('.van-overlay[role="button"]:not([aria-label])')) el.setAttribute('aria-label', t('app.close'))
  for (const el of document.querySelectorAll<HTMLElement>('.van-popup[role="dialog"]')) {
    if (el.classList.contains('van-toast')) {
      el.setAttribute('role', 'status')
      el.setAttribute('aria-live', 'polite')
    } else if (!el.hasAttribute('aria-label') && !el.hasAttribute('aria-labelledby')) {
      const h = el.querySelector('[aria-label], .van-dialog__header, h3, .van-nav-bar__title')
      el.setAttribute('aria-label', (h?.getAttribute('aria-label') || h?.textContent || '').trim() || document.title)
    }
  }
}).observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ['role', 'class'] })
