import { modelOfTable, unservable, type Translator } from './builder-call.js'

// insert / update / delete: to be filled in (issue 13, core builders)
export const translateInsert: Translator = (info, call, ctx) => {
  modelOfTable(info, call.config.table, ctx)
  throw unservable(ctx, 'insert')
}
export const translateUpdate: Translator = (info, call, ctx) => {
  modelOfTable(info, call.config.table, ctx)
  throw unservable(ctx, 'update')
}
export const translateDelete: Translator = (info, call, ctx) => {
  modelOfTable(info, call.config.table, ctx)
  throw unservable(ctx, 'delete')
}
