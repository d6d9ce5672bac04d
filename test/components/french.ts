// French is not built in (pages opt in with registerTranslation): the suites that check French
// texts import this once.
import { registerTranslation } from '../../components/index.ts';
import { fr } from '../../components/translations/fr.ts';

registerTranslation('fr', fr);
