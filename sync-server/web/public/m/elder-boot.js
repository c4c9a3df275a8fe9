// Elder mode (长辈模式) before the first paint: a classic script in <head>, run before the body is
// drawn (the page's own module runs later, and the CSP forbids an inline script). The key is the
// one mobile/lib/elder.ts writes.
try {
  if (localStorage.getItem('jiuzhu.m.elder') === '1') document.documentElement.classList.add('m-elder')
} catch (e) {
  // storage disabled: the normal size
}
