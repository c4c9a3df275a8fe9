// The Vant components the phone pages use, registered one by one (their styles are imported in
// main.ts): a much smaller download than all of Vant. showToast / showDialog come from 'vant'.
import type { App } from 'vue'
import { Button, Dialog, Icon, Loading, NavBar, Progress, Toast } from 'vant'

const components = [Button, Dialog, Icon, Loading, NavBar, Progress, Toast]

export default {
  install(app: App) {
    for (const c of components) app.use(c)
  },
}
