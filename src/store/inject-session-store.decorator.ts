import { Inject } from '@nestjs/common';
import { SessionStore } from './session-store.interface';

/** Injects the module's {@link SessionStore}: `constructor(@InjectSessionStore() store: SessionStore)`. */
export const InjectSessionStore = (): PropertyDecorator & ParameterDecorator => Inject(SessionStore);
