import { createApp } from 'vue'
// Styles of the Vant components registered in ./vant.ts, then ours.
import 'vant/es/button/style/index'
import 'vant/es/dialog/style/index'
import 'vant/es/icon/style/index'
import 'vant/es/loading/style/index'
import 'vant/es/nav-bar/style/index'
import 'vant/es/progress/style/index'
import 'vant/es/toast/style/index'
import './style.css'
import './elder.css'
import App from './App.vue'
import vant from './vant'
import { router } from './router'
import { tr } from './i18n'

document.title = tr('app.title')
createApp(App).use(vant).use(router).mount('#app')
