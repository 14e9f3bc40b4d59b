import { BaseService } from './base.js'

export class MqttService extends BaseService {
  readonly name = 'mqtt'
  readonly ports = [1883]
}

export default new MqttService()
